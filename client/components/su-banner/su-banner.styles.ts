import {css} from '../moin-element.js';

// light-dark() follows the page's color-scheme; both pairs keep text contrast above 7:1. The
// buttons take the banner's colours, so they keep that contrast too. Empty live regions stay in
// the accessibility tree (so the next message is announced) but take no space.
export default css`
  :host {
    display: block;
  }
  :host([hidden]) {
    display: none;
  }
  section,
  form {
    display: flex;
    flex-wrap: wrap;
    align-items: center;
    gap: 0.5em 1em;
    padding: 0.5em 1em;
    border: 1px solid;
    border-radius: 4px;
  }
  section {
    background: var(--moin-su-banner-background, light-dark(#fff4ce, #3a2d00));
    color: var(--moin-su-banner-color, light-dark(#3a2d00, #fff4ce));
  }
  p {
    margin: 0;
  }
  button,
  input {
    font: inherit;
  }
  button {
    padding: 0.2em 0.8em;
    border: 1px solid;
    border-radius: 3px;
    background: transparent;
    color: inherit;
    cursor: pointer;
  }
  :focus-visible {
    outline: 2px solid;
    outline-offset: 2px;
  }
  [part~='error']:empty,
  .visually-hidden {
    position: absolute;
    width: 1px;
    height: 1px;
    overflow: hidden;
    clip-path: inset(50%);
    white-space: nowrap;
  }
  [part~='error'] {
    flex-basis: 100%;
    font-weight: bold;
    color: light-dark(#8b0000, #ffb4a8);
  }
`;
