import type { AlertView, CreatedEnrollmentToken, OrgUnit, SessionUser } from '@varsel/shared';
import type { ApiClient } from './api-client.js';
import { emptyDraft } from './alert-form.js';
import type { AlertDraft } from './alert-form.js';
import type { ConsoleSocket } from './console-socket.js';
import type { Route } from './routes.js';
import { hostnameIndex } from './unacked.js';

/** 60 s: a device enrolled a minute ago shows its id until then, which is enough. */
const HOSTNAMES_MAX_AGE_MS = 60_000;

/** A mounted page. `dispose` stops its timers, socket watches and late answers. */
export interface View {
  readonly el: HTMLElement;
  dispose?: () => void;
}

/** What a logged-in page may use. */
export interface AppContext {
  readonly api: ApiClient;
  readonly user: SessionUser;
  readonly socket: ConsoleSocket;
  readonly state: ConsoleState;
  navigate(route: Route, options?: { replace?: boolean }): void;
}

/**
 * State that outlives one page: the draft survives going to the confirmation and back (and a
 * language switch); a freshly sent alert is shown at once, before any request.
 */
export class ConsoleState {
  draft: AlertDraft = emptyDraft();
  readonly alerts = new Map<string, AlertView>();
  /** The token secret, shown once: kept only until the officer leaves the enrollment page. */
  createdToken: CreatedEnrollmentToken | undefined;
  private orgUnitsPromise: Promise<OrgUnit[]> | undefined;
  private hostnamesPromise: Promise<Map<string, string>> | undefined;
  private hostnamesAt = 0;

  /** Org units change rarely; one fetch per login, retried after a failure. */
  orgUnits(api: ApiClient): Promise<OrgUnit[]> {
    if (!this.orgUnitsPromise) {
      const promise = api.orgUnits();
      this.orgUnitsPromise = promise;
      promise.catch(() => {
        if (this.orgUnitsPromise === promise) this.orgUnitsPromise = undefined;
      });
    }
    return this.orgUnitsPromise;
  }

  /**
   * Host names by device id, for roles with device:read. GET /api/devices is the whole fleet (up to
   * 50,000 rows), so it is fetched at most once a minute however often a list is refreshed.
   */
  hostnames(api: ApiClient, now = Date.now()): Promise<Map<string, string>> {
    if (!this.hostnamesPromise || now - this.hostnamesAt > HOSTNAMES_MAX_AGE_MS) {
      const promise = api.listDevices().then(hostnameIndex);
      this.hostnamesPromise = promise;
      this.hostnamesAt = now;
      promise.catch(() => {
        if (this.hostnamesPromise === promise) this.hostnamesPromise = undefined;
      });
    }
    return this.hostnamesPromise;
  }
}
