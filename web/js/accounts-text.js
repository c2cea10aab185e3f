// What the account pages share: the server's password rule and its refusals told in the viewer's language.
import { t } from '/js/i18n.js';

export const MIN_PASSWORD = 10;  // the server's rule (catalog::check_password_rules)

/** An ApiError as a sentence: the accounts.error.<code> text, else the server's own message. */
export function accountErrorText(error) {
  const key = `accounts.error.${error.code}`;
  const text = t(key);
  return text === key ? t('accounts.error.other', { message: error.message }) : text;
}
