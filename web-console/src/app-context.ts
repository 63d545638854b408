import type { AlertView, CreatedEnrollmentToken, OrgUnit, SessionUser } from '@varsel/shared';
import type { ApiClient } from './api-client.js';
import { emptyDraft } from './alert-form.js';
import type { AlertDraft } from './alert-form.js';
import type { ConsoleSocket } from './console-socket.js';
import type { Route } from './routes.js';

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
}
