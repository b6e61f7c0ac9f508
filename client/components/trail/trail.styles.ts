import {css} from '../moin-element.js';

// The separator is drawn by CSS in an aria-hidden span: never read, never in textContent.
export default css`
  :host {
    display: block;
  }
  :host([hidden]) {
    display: none;
  }
  nav {
    display: inline;
  }
  ol,
  li {
    display: inline-flex;
    flex-wrap: wrap;
    align-items: baseline;
    gap: var(--moin-trail-gap, 0.25em);
    margin: 0;
    padding: 0;
  }
  [part~='separator']::before {
    content: var(--moin-trail-separator, '»');
  }
  a {
    color: var(--moin-trail-link-color, LinkText);
    overflow-wrap: anywhere;
  }
  a:focus-visible {
    outline: 2px solid;
    outline-offset: 2px;
  }
  [part~='current'] {
    color: var(--moin-trail-current-color, inherit);
    font-weight: bold;
  }
  [part~='status']:not(:empty) {
    margin-inline-start: 0.5em;
    font-size: 0.85em;
    font-style: italic;
  }
`;
