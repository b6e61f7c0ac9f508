import {html, nothing} from 'lit/html.js';
import {MoinElement, type PropertyDeclaration, type PropertyValues} from '../moin-element.js';
import {SessionController} from '../../controllers/session-controller.js';
import {fill, fillText} from '../words.js';
import styles from './su-banner.styles.js';

/** How long typing in the picker pauses before the names are looked up. */
const SEARCH_DELAY_MS = 200;

/**
 * @summary Says so while a superuser acts as another user, with a way back; optionally lets a
 * superuser change user.
 *
 * Shown only while the server's view (never the mirror alone) has `realUser`. In the page's flow:
 * it never covers content, and it never moves focus.
 *
 * @fires moin-session-status - The connection went `connecting`, `online` or `offline`.
 * @csspart banner - The labelled region shown while acting as another user.
 * @csspart message - Its sentence.
 * @csspart name - Each user name in it.
 * @csspart button - The buttons (`return` on the way back, `change` on the picker's).
 * @csspart picker - The change-user form.
 * @csspart input - The picker's name field.
 * @csspart error - Inline error messages (polite live regions).
 * @cssprop --moin-su-banner-background - @default light-dark(#fff4ce, #3a2d00)
 * @cssprop --moin-su-banner-color - @default light-dark(#3a2d00, #fff4ce)
 * @cssprop --moin-su-banner-border - @default 1px solid currentColor
 * @cssprop --moin-su-banner-radius - @default 4px
 * @cssprop --moin-su-banner-padding - @default 0.5em 1em
 * @cssprop --moin-su-banner-button-background - @default light-dark(#ffffff, #000000)
 * @cssprop --moin-su-banner-button-color - @default light-dark(#3a2d00, #fff4ce)
 * @cssprop --moin-su-banner-error-color - @default light-dark(#8b0000, #ffb4a8)
 * @cssprop --moin-su-picker-background - @default transparent
 */
export class MoinSuBanner extends MoinElement {
  static override styles = styles;
  static override properties: Record<string, PropertyDeclaration> = {
    endpoint: {},
    picker: {type: Boolean},
    label: {},
    message: {},
    returnText: {attribute: 'return-text'},
    returnedText: {attribute: 'returned-text'},
    userLabel: {attribute: 'user-label'},
    changeText: {attribute: 'change-text'},
    errorMessages: {attribute: false},
  };

  /** The session API, absolute or relative to the page. @default "/api" */
  declare endpoint: string;
  /** Show the change-user form to a superuser who is not acting as someone else. @default false */
  declare picker: boolean;
  /** Accessible name of the banner region. @default "Change of user" */
  declare label: string;
  /** The banner's sentence; `{user}` and `{realUser}` are set in bold. @default "You are acting as {user} (signed in as {realUser})" */
  declare message: string;
  /** The way back. @default "Return to {realUser}" */
  declare returnText: string;
  /** Announced when the change of user ends. @default "You are {realUser} again." */
  declare returnedText: string;
  /** Label of the picker's name field. @default "Act as user" */
  declare userLabel: string;
  /** The picker's button, and the accessible name of its form. @default "Change user" */
  declare changeText: string;
  /**
   * Inline error texts by error code (`unknown_user`, `target_is_superuser`, `network_error`, …);
   * codes not listed show the server's sentence. A property, not an attribute.
   */
  declare errorMessages: Record<string, string>;

  readonly #session = new SessionController(this);
  /** Was a change of user on in the last server view; null before the first one. */
  #wasSwitched: boolean | null = null;
  #searchTimer?: ReturnType<typeof setTimeout>;
  // Internal state, private rather than reactive: whoever changes it calls requestUpdate().
  #error = '';
  #busy = false;
  #suggestions: string[] = [];
  #announcement = '';

  constructor() {
    super();
    this.endpoint = '/api';
    this.picker = false;
    this.label = 'Change of user';
    this.message = 'You are acting as {user} (signed in as {realUser})';
    this.returnText = 'Return to {realUser}';
    this.returnedText = 'You are {realUser} again.';
    this.userLabel = 'Act as user';
    this.changeText = 'Change user';
    this.errorMessages = {};
  }

  protected override willUpdate(changed: PropertyValues): void {
    if (changed.has('endpoint')) this.#session.endpointChanged();
    const view = this.#session.state?.serverView;
    if (!view) return;
    const switched = view.realUser !== null;
    // Announce changes that happen while the page is open, not the state found at load (APG:
    // content present at load is not announced), and never move focus.
    if (this.#wasSwitched !== null && switched !== this.#wasSwitched) {
      this.#error = '';
      this.#announcement =
        switched && view.user && view.realUser
          ? fillText(this.message, {user: view.user.name, realUser: view.realUser.name})
          : fillText(this.returnedText, {realUser: view.user?.name ?? ''});
    }
    this.#wasSwitched = switched;
  }

  protected override render() {
    // One outer template, so the live region stays the same node (a replaced region is not read).
    return html`${this.#content()}
      <div class="visually-hidden" role="status">${this.#announcement}</div>`;
  }

  #content() {
    const view = this.#session.state?.serverView;
    const error = html`<p part="error" aria-live="polite">${this.#error}</p>`;
    if (view?.realUser && view.user) {
      const realUser = view.realUser.name;
      const bold = (name: string) => html`<strong part="name" dir="auto">${name}</strong>`;
      return html`<section part="banner" aria-label=${this.label}>
        <p part="message">
          ${fill(this.message, {user: bold(view.user.name), realUser: bold(realUser)})}
        </p>
        <button part="button return" type="button" ?disabled=${this.#busy} @click=${this.#return}>
          ${fillText(this.returnText, {realUser})}
        </button>
        ${error}
      </section>`;
    }
    if (this.picker && view?.user && view.superuser) {
      return html`<form part="picker" aria-label=${this.changeText} @submit=${this.#change}>
        <label
          >${this.userLabel}
          <input
            part="input"
            name="name"
            list="users"
            autocomplete="off"
            required
            @input=${this.#suggest}
        /></label>
        <datalist id="users">
          ${this.#suggestions.map((name) => html`<option value=${name}></option>`)}
        </datalist>
        <button part="button change" type="submit" ?disabled=${this.#busy}>
          ${this.changeText}
        </button>
        ${error}
      </form>`;
    }
    return nothing;
  }

  async #act(work: () => Promise<unknown>): Promise<boolean> {
    this.#busy = true;
    this.#error = '';
    this.requestUpdate();
    try {
      await work();
      return true;
    } catch (e) {
      const err = e as {code?: string; message?: string};
      this.#error = this.errorMessages[err.code ?? ''] ?? err.message ?? String(e);
      return false;
    } finally {
      this.#busy = false;
      this.requestUpdate();
    }
  }

  readonly #return = (): void => {
    const connection = this.#session.connection;
    if (connection) void this.#act(() => connection.suReturn());
  };

  readonly #change = async (e: SubmitEvent): Promise<void> => {
    e.preventDefault();
    const form = e.currentTarget as HTMLFormElement;
    const input = form.elements.namedItem('name') as HTMLInputElement;
    const name = input.value.trim();
    const connection = this.#session.connection;
    if (!name || !connection) return;
    if (await this.#act(() => connection.su(name))) input.value = '';
  };

  readonly #suggest = (e: InputEvent): void => {
    const prefix = (e.target as HTMLInputElement).value.trim();
    clearTimeout(this.#searchTimer);
    this.#searchTimer = setTimeout(() => {
      const connection = this.#session.connection;
      if (!prefix || !connection) return;
      // Suggestions are a convenience: a failed search shows none and says nothing.
      connection
        .searchUsers(prefix)
        .catch(() => [])
        .then((names) => {
          this.#suggestions = names;
          this.requestUpdate();
        });
    }, SEARCH_DELAY_MS);
  };
}
