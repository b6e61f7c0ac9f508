import {html, nothing} from 'lit/html.js';
import {shortenPageName} from '../../shared.js';
import {MoinElement, type PropertyDeclaration, type PropertyValues} from '../moin-element.js';
import {SessionController} from '../../controllers/session-controller.js';
import {emit} from '../../events/emit.js';
import type {MoinTrailChangeDetail} from '../../events/moin-trail-change.js';
import styles from './trail.styles.js';

/** `{page}` in a template → the name, URL-encoded per path segment (`A b/C` → `A%20b/C`). */
export function pageHref(template: string, page: string): string {
  const encoded = page.split('/').map(encodeURIComponent).join('/');
  return template.replace(/\{page\}/g, () => encoded);
}

/**
 * @summary The pages this browser's session visited last (MoinMoin 1.9's page trail), live.
 *
 * Paints from the IndexedDB mirror at once, then follows the server; records a visit of `page`
 * when connected. Shares one connection per `endpoint` with every other element on the page.
 *
 * @slot - Fallback content (the server-rendered trail) shown until the element has something to
 *   show; never shown next to the element's own list.
 * @fires moin-trail-change - The displayed trail changed; `detail.trail`, oldest first.
 * @fires moin-session-status - The connection went `connecting`, `online` or `offline`.
 * @csspart nav - The `nav` landmark.
 * @csspart list - The `ol`.
 * @csspart item - Each `li`.
 * @csspart link - Each link.
 * @csspart current - The link of the current page (also has `link`).
 * @csspart separator - The decorative separator before every item but the first.
 * @csspart status - The offline notice (a polite live region).
 * @cssprop --moin-trail-gap - Space around separators. @default 0.25em
 * @cssprop --moin-trail-separator - The separator, a CSS string. @default "»"
 * @cssprop --moin-trail-separator-color - @default inherit
 * @cssprop --moin-trail-link-color - @default LinkText
 * @cssprop --moin-trail-link-decoration - @default underline
 * @cssprop --moin-trail-current-color - @default inherit
 * @cssprop --moin-trail-current-weight - @default bold
 * @cssprop --moin-trail-focus-outline - @default 2px solid currentColor
 * @cssprop --moin-trail-status-color - @default inherit
 * @cssprop --moin-trail-status-size - @default 0.85em
 */
export class MoinTrail extends MoinElement {
  static override styles = styles;
  static override properties: Record<string, PropertyDeclaration> = {
    page: {},
    hrefTemplate: {attribute: 'href-template'},
    endpoint: {},
    label: {},
    offlineText: {attribute: 'offline-text'},
  };

  /** The page being shown; a visit of it is recorded once when connected. Leave it off on edit, print, raw and error views. */
  declare page: string | undefined;
  /** Builds each link; `{page}` becomes the URL-encoded name. @default "/{page}" */
  declare hrefTemplate: string;
  /** The session API, absolute or relative to the page. @default "/api" */
  declare endpoint: string;
  /** Accessible name of the `nav`. @default "Page trail" */
  declare label: string;
  /** Shown (and announced politely) while the session service cannot be reached. @default "offline" */
  declare offlineText: string;

  readonly #session = new SessionController(this);
  #visited: string | null = null;
  /** The trail last announced by `moin-trail-change`, as JSON. */
  #emitted = '';

  constructor() {
    super();
    this.hrefTemplate = '/{page}';
    this.endpoint = '/api';
    this.label = 'Page trail';
    this.offlineText = 'offline';
  }

  protected override willUpdate(changed: PropertyValues): void {
    if (changed.has('endpoint')) {
      this.#session.endpointChanged();
      this.#visited = null;
    }
    const connection = this.#session.connection;
    if (connection && this.page && this.page !== this.#visited) {
      this.#visited = this.page;
      connection.visit(this.page);
    }
  }

  protected override updated(): void {
    const state = this.#session.state;
    const json = JSON.stringify(state?.trail);
    if (!state?.view || json === this.#emitted) return;
    this.#emitted = json;
    emit<MoinTrailChangeDetail>(this, 'moin-trail-change', {trail: [...state.trail]});
  }

  protected override render() {
    const state = this.#session.state;
    const current = this.page?.trim();
    // One outer template, so the live region stays the same node (a replaced region is not read).
    return html`${
        state?.view
          ? html`<nav part="nav" aria-label=${this.label}>
              <ol part="list">
                ${state.trail.map((name, i) => {
                  const short = shortenPageName(name);
                  const isCurrent = name === current;
                  return html`<li part="item">
                    ${i ? html`<span part="separator" aria-hidden="true"></span>` : nothing}<a
                      part=${isCurrent ? 'link current' : 'link'}
                      href=${pageHref(this.hrefTemplate, name)}
                      title=${short === name ? nothing : name}
                      aria-current=${isCurrent ? 'page' : nothing}
                      dir="auto"
                      >${short}</a
                    >
                  </li>`;
                })}
              </ol>
            </nav>`
          : html`<slot></slot>`
      }<span part="status" role="status"
        >${state?.status === 'offline' ? this.offlineText : ''}</span
      >`;
  }
}
