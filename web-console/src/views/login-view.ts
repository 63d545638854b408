import type { SessionUser } from '@varsel/shared';
import type { ApiClient } from '../api-client.js';
import type { View } from '../app-context.js';
import { h, replaceChildren } from '../dom.js';
import { t } from '../i18n.js';
import type { MessageKey } from '../i18n.js';
import { errorBox } from '../ui.js';

export interface LoginViewOptions {
  api: ApiClient;
  /** A message shown above the form, such as "your session has expired". */
  notice?: MessageKey | undefined;
  onLoggedIn: (user: SessionUser) => void;
}

export function loginView({ api, notice, onLoggedIn }: LoginViewOptions): View {
  const username = h('input', { name: 'username', autocomplete: 'username', required: true, 'data-testid': 'login-username', id: 'login-username' });
  const password = h('input', {
    name: 'password',
    type: 'password',
    autocomplete: 'current-password',
    required: true,
    'data-testid': 'login-password',
    id: 'login-password',
  });
  const submit = h('button', { type: 'submit', class: 'button button-primary', 'data-testid': 'login-submit' }, t('login.submit'));
  const status = h('div', { 'aria-live': 'polite' }, notice && h('p', { class: 'notice-box notice-info', 'data-testid': 'login-notice' }, t(notice)));

  const form = h(
    'form',
    { class: 'card login-card', novalidate: true },
    h('h1', {}, t('login.title')),
    h('p', { class: 'muted' }, t('login.intro')),
    status,
    h('div', { class: 'field' }, h('label', { for: 'login-username' }, t('login.username')), username),
    h('div', { class: 'field' }, h('label', { for: 'login-password' }, t('login.password')), password),
    h('div', { class: 'actions' }, submit),
  );

  let busy = false;
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    if (busy) return;
    if (username.value.trim() === '' || password.value === '') {
      (username.value.trim() === '' ? username : password).focus();
      return;
    }
    busy = true;
    submit.disabled = true;
    submit.textContent = t('login.busy');
    api.login({ username: username.value.trim(), password: password.value }).then(onLoggedIn, (err: unknown) => {
      busy = false;
      submit.disabled = false;
      submit.textContent = t('login.submit');
      password.value = '';
      replaceChildren(status, errorBox(err));
      password.focus();
    });
  });

  queueMicrotask(() => username.focus());
  return { el: h('section', { class: 'login-page' }, form) };
}
