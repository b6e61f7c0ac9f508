import type {ReactiveController, ReactiveControllerHost} from 'lit';
import {render, type RenderOptions} from 'lit/html.js';

/**
 * A reactive property: its attribute (the property name in lower case unless named; `false` for
 * none) and how the attribute reads (`Boolean`: present or not; else the string as it is).
 */
export interface PropertyDeclaration {
  attribute?: string | false;
  type?: BooleanConstructor;
}

/** The properties changed since the last update, with their previous values. */
export type PropertyValues = Map<string, unknown>;

/**
 * Styles of an element: CSS text, one sheet per text shared by every shadow root. A tag, so the
 * build's template minifier (which goes by the tag's name) squeezes the literal; interpolations
 * do not compile.
 */
export const css = (strings: TemplateStringsArray, ..._none: never[]): string => strings.join('');

const sheets = new Map<string, CSSStyleSheet>();
// As Lit decides: constructable sheets where shadow roots can adopt them (Safari 16.4+).
const adoptable =
  'adoptedStyleSheets' in Document.prototype && 'replaceSync' in CSSStyleSheet.prototype;

const attributeOf = (name: string, declaration: PropertyDeclaration): string | false =>
  declaration.attribute ?? name.toLowerCase();

/**
 * The base of both elements: the part of Lit's `LitElement` they use, on lit-html's `render`.
 * Declared `properties` get accessors and observed attributes; a change schedules one update a
 * microtask later (the first waits for the element to be connected): `willUpdate(changed)`,
 * `render()` into an open shadow root with the class's `styles`, then `updated(changed)`.
 * Controllers get `hostConnected`, `hostDisconnected`, `hostUpdate` and `hostUpdated`, as in Lit
 * (it implements Lit's `ReactiveControllerHost`). No attribute reflection, converters or
 * decorators: the elements need none, and they cost a third of the bundle.
 */
export class MoinElement extends HTMLElement implements ReactiveControllerHost {
  static properties: Record<string, PropertyDeclaration> = {};
  static styles = '';

  /** Defines the accessors of {@link properties} (custom element registration reads this first). */
  static get observedAttributes(): string[] {
    const attributes: string[] = [];
    for (const [name, declaration] of Object.entries(this.properties)) {
      const attribute = attributeOf(name, declaration);
      if (attribute) attributes.push(attribute);
      Object.defineProperty(this.prototype, name, {
        get(this: MoinElement) {
          return this.#values.get(name);
        },
        set(this: MoinElement, value: unknown) {
          const old = this.#values.get(name);
          this.#values.set(name, value);
          this.requestUpdate(name, old);
        },
        configurable: true,
      });
    }
    return attributes;
  }

  /** Has the first update run. */
  hasUpdated = false;
  /** The shadow root, from the first connection on. */
  renderRoot?: ShadowRoot;
  readonly #values = new Map<string, unknown>();
  readonly #controllers = new Set<ReactiveController>();
  /** Values set on the element before it was upgraded; applied at the first update, as Lit does. */
  readonly #early = new Map<string, unknown>();
  #changed: PropertyValues = new Map();
  #pending = false;
  #enable!: (value: unknown) => void;
  #done: Promise<unknown> = new Promise((resolve) => (this.#enable = resolve));
  #options?: RenderOptions;

  constructor() {
    super();
    const self = this.#self;
    for (const name of Object.keys(this.#class.properties)) {
      if (Object.hasOwn(self, name)) {
        this.#early.set(name, self[name]);
        delete self[name];
      }
    }
    this.requestUpdate();
  }

  get #class(): typeof MoinElement {
    return this.constructor as typeof MoinElement;
  }

  get #self(): Record<string, unknown> {
    return this as unknown as Record<string, unknown>;
  }

  /** Resolves after the pending update: true when no other update was requested meanwhile. */
  get updateComplete(): Promise<boolean> {
    return this.#done as Promise<boolean>;
  }

  addController(controller: ReactiveController): void {
    this.#controllers.add(controller);
    if (this.renderRoot && this.isConnected) controller.hostConnected?.();
  }

  removeController(controller: ReactiveController): void {
    this.#controllers.delete(controller);
  }

  /** Schedules an update; with `name`, records that property's change (if its value changed). */
  requestUpdate(name?: string, old?: unknown): void {
    if (name !== undefined) {
      if (Object.is(old, this.#values.get(name))) return;
      if (!this.#changed.has(name)) this.#changed.set(name, this.hasUpdated ? old : undefined);
    }
    if (this.#pending) return;
    this.#pending = true;
    this.#done = this.#schedule(this.#done);
  }

  connectedCallback(): void {
    this.renderRoot ??= this.#createRoot();
    this.#enable(true);
    for (const c of this.#controllers) c.hostConnected?.();
  }

  disconnectedCallback(): void {
    for (const c of this.#controllers) c.hostDisconnected?.();
  }

  attributeChangedCallback(attribute: string, _old: string | null, value: string | null): void {
    for (const [name, declaration] of Object.entries(this.#class.properties)) {
      if (attributeOf(name, declaration) !== attribute) continue;
      this.#self[name] = declaration.type === Boolean ? value !== null : value;
    }
  }

  protected willUpdate(_changed: PropertyValues): void {}

  protected render(): unknown {
    return undefined;
  }

  protected updated(_changed: PropertyValues): void {}

  async #schedule(previous: Promise<unknown>): Promise<boolean> {
    try {
      await previous;
    } catch {
      // The previous update threw; this one runs anyway.
    }
    this.#update();
    return !this.#pending;
  }

  #update(): void {
    if (!this.#pending) return;
    const root = (this.renderRoot ??= this.#createRoot());
    if (!this.hasUpdated) {
      for (const [name, value] of this.#early) this.#self[name] = value;
      this.#early.clear();
    }
    const changed = this.#changed;
    let value: unknown;
    try {
      this.willUpdate(changed);
      for (const c of this.#controllers) c.hostUpdate?.();
      value = this.render();
    } finally {
      this.#changed = new Map();
      this.#pending = false;
    }
    this.#options ??= {host: this, renderBefore: root.firstChild, isConnected: this.isConnected};
    render(value, root, this.#options);
    for (const c of this.#controllers) c.hostUpdated?.();
    this.hasUpdated = true;
    this.updated(changed);
  }

  #createRoot(): ShadowRoot {
    const root = this.shadowRoot ?? this.attachShadow({mode: 'open'});
    const text = this.#class.styles;
    if (adoptable) {
      let sheet = sheets.get(text);
      if (!sheet) {
        sheet = new CSSStyleSheet();
        sheet.replaceSync(text);
        sheets.set(text, sheet);
      }
      root.adoptedStyleSheets = [sheet];
    } else {
      const style = document.createElement('style');
      style.textContent = text;
      root.append(style);
    }
    return root;
  }
}
