#!/usr/bin/perl
# Writes a small MaxMind-format country database for the rights tests (Debian's
# libmaxmind-db-writer-perl): write_geo_database.pl OUT.mmdb NETWORK=CC [NETWORK=CC …], for example
# 127.0.0.2/32=FR 127.0.0.3/32=DE. Reserved networks are kept, so loopback addresses get countries.
use strict;
use warnings;
use MaxMind::DB::Writer::Tree;

die "usage: $0 OUT.mmdb NETWORK=CC...\n" unless @ARGV >= 2;
my $out = shift @ARGV;
my $tree = MaxMind::DB::Writer::Tree->new(
    ip_version              => 6,
    record_size             => 24,
    database_type           => 'Festival-Test-Country',
    languages               => ['en'],
    description             => { en => 'Festival rights tests' },
    remove_reserved_networks => 0,
    map_key_type_callback   => sub { { country => 'map', iso_code => 'utf8_string' }->{ $_[0] } },
);
for my $entry (@ARGV) {
    my ($network, $country) = split /=/, $entry, 2;
    die "bad entry '$entry': NETWORK=CC\n" unless defined $country && $country =~ /^[A-Z]{2}$/;
    $tree->insert_network($network, { country => { iso_code => $country } });
}
open my $fh, '>:raw', $out or die "cannot write $out: $!\n";
$tree->write_tree($fh);
close $fh or die "cannot write $out: $!\n";
