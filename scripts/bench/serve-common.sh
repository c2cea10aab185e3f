# Sourced by scripts/bench-serve and scripts/bench/serve-nodes: one HLS folder made with the ffmpeg CLI
# (1080p, 4 s fMP4 segments of ~2.1 MB, 12 s), the segment the cases measure, and wrk's measurement.
segment="seg_001.m4s"
make_hls_folder() {
  ffmpeg -v error -f lavfi -i "testsrc2=size=1920x1080:rate=25" -f lavfi -i "sine=frequency=440" -t 12 \
    -c:v libx264 -preset ultrafast -b:v 4M -maxrate 4M -bufsize 8M -g 100 -keyint_min 100 -sc_threshold 0 \
    -c:a aac -b:a 128k -f hls -hls_time 4 -hls_playlist_type vod -hls_segment_type fmp4 \
    -hls_segment_filename "$1/seg_%03d.m4s" "$1/index.m3u8"
}

# Runs wrk for `slice` seconds and prints "requests_per_second megabytes_per_second".
measure() {
  local url="$1" connections="$2"; shift 2
  local out
  out="$(wrk -t2 -c"$connections" -d"${slice}s" --timeout 10s "$@" "$url")"
  local rps transfer
  rps="$(awk '/^Requests\/sec:/ {print $2}' <<<"$out")"
  transfer="$(awk '/^Transfer\/sec:/ {print $2}' <<<"$out")"
  local mbps
  mbps="$(awk -v t="$transfer" 'BEGIN {
    v = t + 0; u = t; sub(/^[0-9.]+/, "", u);
    if (u == "GB") v *= 1024; else if (u == "KB") v /= 1024; else if (u == "B") v /= 1048576;
    printf "%.1f", v }')"
  echo "$rps $mbps"
}
etag_of() { curl -skI "$1" | tr -d '\r' | awk 'tolower($1) == "etag:" {print $2}'; }

# Every case (a segment, a media playlist, a 304 revalidation of a segment with that server's own
# ETag; 100 and 1,000 connections) on two servers' copies of the folder, FIRST_BASE and SECOND_BASE
# (URL prefixes), labelled FIRST and SECOND. The servers take turns in slices ($rounds of $slice s), so a
# drift of the machine's speed during the case (a VM's neighbours) weighs on both alike; each line gives
# the means and first/second ratios, then the slices' ratios.
compare_cases() {
  local first_base="$1" second_base="$2" first="$3" second="$4"
  printf '\n%-26s %6s %14s %14s %9s %12s %12s %9s\n' case conns "$first req/s" "$second req/s" ratio \
    "$first MB/s" "$second MB/s" ratio
  local case connections o n a x b y first_rps first_mb second_rps second_mb slice_ratios
  for case in segment playlist revalidation; do
    for connections in 100 1000; do
      case "$case" in
        segment) o=("$first_base/$segment"); n=("$second_base/$segment") ;;
        playlist) o=("$first_base/index.m3u8"); n=("$second_base/index.m3u8") ;;
        revalidation)
          o=("$first_base/$segment" -H "If-None-Match: $(etag_of "$first_base/$segment")")
          n=("$second_base/$segment" -H "If-None-Match: $(etag_of "$second_base/$segment")") ;;
      esac
      first_rps=0 first_mb=0 second_rps=0 second_mb=0 slice_ratios=""
      for _ in $(seq "$rounds"); do
        read -r a x < <(measure "${o[0]}" "$connections" "${o[@]:1}")
        read -r b y < <(measure "${n[0]}" "$connections" "${n[@]:1}")
        read -r first_rps first_mb second_rps second_mb < <(awk -v r="$rounds" \
          -v p="$first_rps $first_mb $second_rps $second_mb" -v a="$a" -v x="$x" -v b="$b" -v y="$y" \
          'BEGIN { split(p, q, " "); printf "%f %f %f %f\n", q[1] + a / r, q[2] + x / r, q[3] + b / r, q[4] + y / r }')
        slice_ratios+="$(awk -v a="$a" -v b="$b" 'BEGIN { printf " %.2f", a / b }')"
      done
      awk -v c="$case" -v k="$connections" -v a="$first_rps" -v b="$second_rps" -v x="$first_mb" -v y="$second_mb" \
        -v s="$slice_ratios" \
        'BEGIN { printf "%-26s %6d %14.0f %14.0f %9.2f %12.1f %12.1f %9.2f  (slices:%s)\n", c, k, a, b, a / b, x, y, (y > 0 ? x / y : 0), s }'
    done
  done
}
