import type { SessionUser } from '@varsel/shared';
import { ApiClient } from './api-client.js';
import { ConsoleState } from './app-context.js';
import type { AppContext, View } from './app-context.js';
import { ConsoleSocket } from './console-socket.js';
import type { LiveStatus } from './console-socket.js';
import { h, replaceChildren } from './dom.js';
import { getLang, isLang, setLang, t } from './i18n.js';
import type { Lang, MessageKey } from './i18n.js';
import { canOpen, homeRoute, navFor, NAV_ITEMS, parseRoute, routeHash } from './routes.js';
import type { Route } from './routes.js';
import { alertListView } from './views/alert-list-view.js';
import { alertLiveView } from './views/alert-live-view.js';
import { composeView } from './views/compose-view.js';
import { confirmView } from './views/confirm-view.js';
import { devicesView } from './views/devices-view.js';
import { enrollmentView } from './views/enrollment-view.js';
import { loginView } from './views/login-view.js';

const LANG_STORAGE_KEY = 'varsel.lang';

function readStoredLang(): Lang {
  try {
    const stored = window.localStorage.getItem(LANG_STORAGE_KEY);
    return isLang(stored) ? stored : 'da';
  } catch {
    // Storage can be off (private mode, policy): Danish is the default anyway.
    return 'da';
  }
}

function storeLang(lang: Lang): void {
  try {
    window.localStorage.setItem(LANG_STORAGE_KEY, lang);
  } catch {
    // The choice then lasts until the page is reloaded; nothing else depends on it.
    return;
  }
}

interface Session {
  user: SessionUser;
  socket: ConsoleSocket;
  state: ConsoleState;
}

/** The console shell: login, header and navigation, and the hash router that mounts pages. */
export class App {
  private readonly api: ApiClient;
  private mode: 'booting' | 'login' | 'app' = 'booting';
  private session: Session | undefined;
  private view: View | undefined;
  private route: Route | undefined;
  private loginNotice: MessageKey | undefined;
  private stopLiveStatus: (() => void) | undefined;
  private readonly main = h('main', { id: 'main', tabindex: '-1' });

  constructor(private readonly root: HTMLElement) {
    this.api = new ApiClient({ onUnauthorized: () => this.sessionLost() });
    this.applyLang(readStoredLang());
    window.addEventListener('hashchange', () => this.mountRoute());
  }

  /** Resumes a session whose cookie is still valid, or shows the login page. */
  async start(): Promise<void> {
    replaceChildren(this.root, h('p', { class: 'boot muted' }, t('common.loading')));
    try {
      this.enter(await this.api.session());
    } catch {
      // 401 (no session) or no answer at all: either way the login page is where to start.
      if (this.mode === 'booting') this.showLogin();
    }
  }

  private applyLang(lang: Lang): void {
    setLang(lang);
    document.documentElement.lang = lang;
  }

  private toggleLang(): void {
    const next: Lang = getLang() === 'da' ? 'en' : 'da';
    this.applyLang(next);
    storeLang(next);
    if (this.mode === 'app') {
      this.renderShell();
      this.mountRoute(true);
    } else {
      this.showLogin(this.loginNotice);
    }
    this.root.querySelector<HTMLElement>('[data-testid="lang-toggle"]')?.focus();
  }

  private langToggle(): HTMLButtonElement {
    return h(
      'button',
      { type: 'button', class: 'button button-quiet button-small', 'data-testid': 'lang-toggle', 'aria-label': t('lang.toggleLabel'), lang: getLang() === 'da' ? 'en' : 'da', onclick: () => this.toggleLang() },
      t('lang.toggle'),
    );
  }

  private brand(): HTMLElement {
    return h('div', { class: 'brand' }, h('span', { class: 'brand-mark', 'aria-hidden': 'true' }), h('span', { class: 'brand-name' }, t('app.name')), h('span', { class: 'brand-org' }, t('app.org')));
  }

  private showLogin(notice?: MessageKey): void {
    this.mode = 'login';
    this.loginNotice = notice;
    this.disposeView();
    document.title = `${t('login.title')} · ${t('app.name')}`;
    this.view = loginView({ api: this.api, notice, onLoggedIn: (user) => this.enter(user) });
    replaceChildren(this.root, h('header', { class: 'topbar' }, this.brand(), h('div', { class: 'session' }, this.langToggle())), this.main);
    replaceChildren(this.main, this.view.el);
  }

  private enter(user: SessionUser): void {
    this.mode = 'app';
    this.loginNotice = undefined;
    const socket = new ConsoleSocket({ onUnauthorized: () => this.sessionLost() });
    this.session = { user, socket, state: new ConsoleState() };
    this.renderShell();
    this.mountRoute(true);
  }

  /** Any 401, from HTTP or the socket handshake: back to the login page. */
  private sessionLost(): void {
    if (this.mode === 'app') {
      this.teardown();
      this.showLogin('session.expired');
    } else if (this.mode === 'booting') {
      this.showLogin();
    }
  }

  private logout(): void {
    // Local teardown does not wait: the officer is logged out here even if the server is away.
    this.api.logout().catch(() => undefined);
    this.teardown();
    this.showLogin();
  }

  private teardown(): void {
    this.disposeView();
    this.stopLiveStatus?.();
    this.stopLiveStatus = undefined;
    this.session?.socket.close();
    this.session = undefined;
    this.route = undefined;
  }

  private disposeView(): void {
    this.view?.dispose?.();
    this.view = undefined;
  }

  private renderShell(): void {
    const session = this.session;
    if (!session) return;
    const { user, socket } = session;
    const live = h('span', { class: 'live', 'data-testid': 'live-status', role: 'status' });
    const showLive = (status: LiveStatus): void => {
      live.dataset.status = status;
      live.textContent = t(`live.${status}`);
    };
    showLive(socket.status);
    this.stopLiveStatus?.();
    this.stopLiveStatus = socket.onStatus(showLive);

    const skip = h('a', { class: 'skip-link', href: '#main' }, t('app.skip'));
    skip.addEventListener('click', (event) => {
      event.preventDefault(); // the hash is the router's
      this.main.focus();
    });
    const nav = h(
      'nav',
      { class: 'nav', 'aria-label': t('nav.label') },
      h('ul', {}, navFor(user.role).map((item) => h('li', {}, h('a', { href: routeHash(item.route), 'data-testid': item.testId, 'data-nav': item.route.name }, t(item.label))))),
    );
    const who = h(
      'span',
      { class: 'who', title: t('session.user', { name: user.username }) },
      h('span', { 'data-testid': 'session-user' }, user.displayName || user.username),
      h('span', { class: 'role', 'data-testid': 'session-role', 'data-role': user.role }, t(`role.${user.role}`)),
    );
    const logout = h('button', { type: 'button', class: 'button button-quiet button-small', 'data-testid': 'logout', onclick: () => this.logout() }, t('session.logout'));
    replaceChildren(this.root, skip, h('header', { class: 'topbar' }, this.brand(), nav, h('div', { class: 'session' }, live, who, this.langToggle(), logout)), this.main);
  }

  private context(session: Session): AppContext {
    return { api: this.api, user: session.user, socket: session.socket, state: session.state, navigate: (route, options) => this.navigate(route, options) };
  }

  private navigate(route: Route, options: { replace?: boolean } = {}): void {
    const hash = routeHash(route);
    if (window.location.hash === hash) {
      this.mountRoute(true);
    } else if (options.replace) {
      window.history.replaceState(null, '', hash);
      this.mountRoute();
    } else {
      window.location.hash = hash; // hashchange mounts it
    }
  }

  /** Mounts the page of the current hash; `force` remounts the same page (language switch). */
  private mountRoute(force = false): void {
    const session = this.session;
    if (this.mode !== 'app' || !session) return;
    const parsed = parseRoute(window.location.hash);
    if (!parsed || !canOpen(session.user.role, parsed)) {
      this.navigate(homeRoute(session.user.role), { replace: true });
      return;
    }
    if (!force && this.route && routeHash(this.route) === routeHash(parsed)) return;
    if (parsed.name !== 'enrollment') session.state.createdToken = undefined;
    this.route = parsed;
    this.disposeView();
    const ctx = this.context(session);
    this.view = this.createView(parsed, ctx);
    replaceChildren(this.main, this.view.el);

    const navItem = NAV_ITEMS.find((item) => item.covers.includes(parsed.name));
    for (const link of this.root.querySelectorAll<HTMLElement>('[data-nav]')) {
      if (navItem && link.dataset.nav === navItem.route.name) link.setAttribute('aria-current', 'page');
      else link.removeAttribute('aria-current');
    }
    document.title = `${navItem ? t(navItem.label) : t('app.name')} · ${t('app.name')}`;
    // Move focus to the new page's heading so keyboard and screen-reader users start there.
    this.main.querySelector<HTMLElement>('h1')?.focus({ preventScroll: true });
  }

  private createView(route: Route, ctx: AppContext): View {
    switch (route.name) {
      case 'compose':
        return composeView(ctx);
      case 'confirm':
        return confirmView(ctx);
      case 'alerts':
        return alertListView(ctx);
      case 'alert':
        return alertLiveView(ctx, route.id);
      case 'enrollment':
        return enrollmentView(ctx);
      case 'devices':
        return devicesView(ctx);
    }
  }
}
