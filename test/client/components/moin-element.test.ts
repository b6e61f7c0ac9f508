import {expect} from '@open-wc/testing';
import type {ReactiveController} from 'lit';
import {html} from 'lit/html.js';
import {
  MoinElement,
  css,
  type PropertyDeclaration,
  type PropertyValues,
} from '../../../client/components/moin-element.js';

let counter = 0;

/** A test element class with a fresh tag; records every update's changed keys. */
function defineElement() {
  class TestElement extends MoinElement {
    static override properties: Record<string, PropertyDeclaration> = {
      name: {},
      longName: {attribute: 'long-name'},
      flag: {type: Boolean},
      data: {attribute: false},
    };
    static override styles = css`
      :host {
        display: block;
        color: rgb(1, 2, 3);
      }
    `;
    declare name: string | null;
    declare longName: string;
    declare flag: boolean;
    declare data: unknown;
    updates: string[][] = [];
    constructor() {
      super();
      this.name = 'default';
      this.flag = false;
    }
    protected override willUpdate(changed: PropertyValues): void {
      this.updates.push([...changed.keys()].sort());
    }
    protected override render() {
      return html`<p>${this.name}|${this.longName}|${this.flag}</p>`;
    }
  }
  const tag = `test-moin-element-${++counter}`;
  customElements.define(tag, TestElement);
  return {tag, TestElement};
}

const text = (el: Element) => el.shadowRoot!.querySelector('p')!.textContent;

describe('MoinElement', () => {
  const added: Element[] = [];
  afterEach(() => added.splice(0).forEach((el) => el.remove()));
  function mount<T extends Element>(el: T): T {
    added.push(el);
    document.body.append(el);
    return el;
  }

  it('reads attributes into properties: named, lower-cased, Boolean by presence, removed as null', async () => {
    const {tag, TestElement} = defineElement();
    const host = document.createElement('div');
    host.innerHTML = `<${tag} name="Ann" long-name="Long" flag></${tag}>`;
    const el = mount(host).firstElementChild as InstanceType<typeof TestElement>;
    await el.updateComplete;
    expect(text(el)).to.equal('Ann|Long|true');
    el.removeAttribute('flag');
    el.removeAttribute('name');
    await el.updateComplete;
    expect([el.name, el.flag]).to.deep.equal([null, false]);
    expect(TestElement.observedAttributes).to.deep.equal(['name', 'long-name', 'flag']);
  });

  it('batches changes into one update, a microtask later, with every changed key', async () => {
    const {TestElement} = defineElement();
    const el = mount(new TestElement());
    await el.updateComplete;
    // The first update sees the values the constructor set.
    expect(el.updates).to.deep.equal([['flag', 'name']]);
    el.name = 'B';
    el.longName = 'L';
    el.name = 'C';
    expect(text(el)).to.equal('default||false');
    expect(await el.updateComplete).to.equal(true);
    expect(el.updates).to.deep.equal([
      ['flag', 'name'],
      ['longName', 'name'],
    ]);
    expect(text(el)).to.equal('C|L|false');
  });

  it('does not update for a value set again', async () => {
    const {TestElement} = defineElement();
    const el = mount(new TestElement());
    await el.updateComplete;
    el.name = 'default';
    el.data = undefined;
    await el.updateComplete;
    expect(el.updates.length).to.equal(1);
  });

  it('waits for the first connection before the first update', async () => {
    const {TestElement} = defineElement();
    const el = new TestElement();
    el.name = 'Early';
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(el.updates).to.deep.equal([]);
    expect(el.shadowRoot).to.equal(null);
    mount(el);
    await el.updateComplete;
    expect(text(el)).to.equal('Early||false');
  });

  it('keeps a property set on the element before its class was defined', async () => {
    const tag = `test-moin-element-${++counter}`;
    const el = mount(document.createElement(tag)) as HTMLElement & {data?: unknown};
    el.data = {set: 'before'};
    class Late extends MoinElement {
      static override properties: Record<string, PropertyDeclaration> = {data: {attribute: false}};
    }
    customElements.define(tag, Late);
    await (el as unknown as Late).updateComplete;
    expect(el.data).to.deep.equal({set: 'before'});
    expect(Object.hasOwn(el, 'data')).to.equal(false);
  });

  it('tells controllers of connection, updates and disconnection, in order', async () => {
    const {TestElement} = defineElement();
    const el = new TestElement();
    const seen: string[] = [];
    const controller: ReactiveController = {
      hostConnected: () => seen.push('connected'),
      hostUpdate: () => seen.push('update'),
      hostUpdated: () => seen.push('updated'),
      hostDisconnected: () => seen.push('disconnected'),
    };
    el.addController(controller);
    mount(el);
    await el.updateComplete;
    el.remove();
    expect(seen).to.deep.equal(['connected', 'update', 'updated', 'disconnected']);
    // Added while connected, it is told at once.
    mount(el);
    const late: string[] = [];
    el.addController({hostConnected: () => late.push('connected')});
    expect(late).to.deep.equal(['connected']);
    el.removeController(controller);
    el.name = 'again';
    await el.updateComplete;
    expect(seen.filter((s) => s === 'update').length).to.equal(1);
  });

  it('renders into an open shadow root with the styles, one sheet shared by every instance', async () => {
    const {TestElement} = defineElement();
    const a = mount(new TestElement());
    const b = mount(new TestElement());
    await Promise.all([a.updateComplete, b.updateComplete]);
    expect(a.shadowRoot!.mode).to.equal('open');
    expect(getComputedStyle(a).color).to.equal('rgb(1, 2, 3)');
    expect(a.shadowRoot!.adoptedStyleSheets).to.have.length(1);
    expect(a.shadowRoot!.adoptedStyleSheets[0]).to.equal(b.shadowRoot!.adoptedStyleSheets[0]);
  });

  it('registers a subclass under another name with the same properties', async () => {
    const {TestElement} = defineElement();
    const tag = `test-moin-element-${++counter}`;
    customElements.define(tag, class extends TestElement {});
    const host = mount(document.createElement('div'));
    host.innerHTML = `<${tag} name="Sub"></${tag}>`;
    const el = host.firstElementChild as InstanceType<typeof TestElement>;
    await el.updateComplete;
    expect(text(el)).to.equal('Sub||false');
  });
});
