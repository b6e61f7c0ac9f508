import {expect, fixture, html} from '@open-wc/testing';
import '../../../../client/components/trail/trail.js';
import {MoinTrail, pageHref} from '../../../../client/components/trail/trail.component.js';
import {connectionFor} from '../../../../client/connection/registry.js';
import type {ConnectionOptions} from '../../../../client/connection/session-connection.js';
import {FallbackKeyValueStore} from '../../../../client/mirror/key-value-store.js';
import {SessionMirror} from '../../../../client/mirror/session-mirror.js';
import {identityOf} from '../../../../client/connection/trail-view.js';
import type {SessionView} from '../../../../shared/index.js';
import {FakeSocket} from '../../support/fake-socket.js';
import {FakeServer, json, userView} from '../../support/fake-server.js';
import {clearMirror, eventually, forget, uniqueEndpoint} from '../../support/setup.js';

const FAST = {minDelayMs: 20, maxDelayMs: 40, refusedMaxDelayMs: 40};

/** A connection for a fresh (or given) endpoint, answered by `server` and fake sockets. */
function wire(
  server: FakeServer,
  options: ConnectionOptions = {},
  endpoint = uniqueEndpoint()
): string {
  connectionFor(endpoint, {
    fetch: server.fetch,
    WebSocket: FakeSocket as unknown as ConnectionOptions['WebSocket'],
    timing: FAST,
    ...options,
  });
  return endpoint;
}

/** The trail's shadow root, painted. */
function shadow(el: MoinTrail): ShadowRoot {
  return el.shadowRoot!;
}
const links = (el: MoinTrail) => [...shadow(el).querySelectorAll('a')];
const names = (el: MoinTrail) => links(el).map((a) => a.textContent);

/** Serves `view` over HTTP and as the socket's first message; waits for the trail to show it. */
async function online(server: FakeServer, el: MoinTrail, v: SessionView): Promise<void> {
  server.session = v;
  await eventually(() => expect(FakeSocket.all.length).to.be.greaterThan(0));
  FakeSocket.last.session(v);
  await el.updateComplete;
}

/** Writes a view into the mirror as a previous page would have left it. */
async function seedMirror(endpoint: string, v: SessionView): Promise<void> {
  const abs = new URL(endpoint, location.href).href;
  await new SessionMirror(abs, new FallbackKeyValueStore()).update(identityOf(v), (r) => ({
    ...r,
    view: v,
  }));
}

const used: string[] = [];
async function trail(server: FakeServer, markup: (endpoint: string) => ReturnType<typeof html>) {
  const endpoint = wire(server);
  used.push(endpoint);
  const el = await fixture<MoinTrail>(markup(endpoint));
  return {el, endpoint};
}

describe('<moin-trail>', () => {
  beforeEach(async () => {
    await clearMirror();
    FakeSocket.reset();
  });
  afterEach(() => forget(...used.splice(0)));

  describe('rendering', () => {
    it('renders a labelled nav with an ordered list of links, oldest first, and passes axe', async () => {
      const server = new FakeServer();
      const {el} = await trail(server, (e) => html`<moin-trail endpoint=${e}></moin-trail>`);
      await online(server, el, userView('Alice', ['FrontPage', 'HelpIndex', 'RecentChanges']));
      const nav = shadow(el).querySelectorAll('nav');
      expect(nav.length).to.equal(1);
      expect(nav[0]!.getAttribute('aria-label')).to.equal('Page trail');
      expect([...shadow(el).querySelectorAll('nav > ol > li > a')].length).to.equal(3);
      expect(names(el)).to.deep.equal(['FrontPage', 'HelpIndex', 'RecentChanges']);
      await expect(el).to.be.accessible();
    });

    it('takes its accessible name from the label attribute', async () => {
      const server = new FakeServer();
      const {el} = await trail(
        server,
        (e) => html`<moin-trail endpoint=${e} label="Zuletzt besucht"></moin-trail>`
      );
      await online(server, el, userView('Alice', ['A']));
      expect(shadow(el).querySelector('nav')!.getAttribute('aria-label')).to.equal(
        'Zuletzt besucht'
      );
    });

    it('marks only the current page with aria-current="page"', async () => {
      const server = new FakeServer();
      const {el} = await trail(
        server,
        (e) => html`<moin-trail endpoint=${e} page="B"></moin-trail>`
      );
      await online(server, el, userView('Alice', ['A', 'B', 'C']));
      const current = shadow(el).querySelectorAll('[aria-current]');
      expect(current.length).to.equal(1);
      expect(current[0]!.textContent).to.equal('B');
      expect(current[0]!.getAttribute('aria-current')).to.equal('page');
    });

    it('marks nothing when the current page is not in the trail', async () => {
      const server = new FakeServer();
      const {el} = await trail(server, (e) => html`<moin-trail endpoint=${e}></moin-trail>`);
      await online(server, el, userView('Alice', ['A', 'B']));
      expect(shadow(el).querySelectorAll('[aria-current]').length).to.equal(0);
    });

    it('keeps separators out of the text and the accessibility tree', async () => {
      const server = new FakeServer();
      const {el} = await trail(server, (e) => html`<moin-trail endpoint=${e}></moin-trail>`);
      await online(server, el, userView('Alice', ['A', 'B', 'C']));
      const seps = [...shadow(el).querySelectorAll('[part~="separator"]')];
      expect(seps.length).to.equal(2);
      for (const s of seps) expect(s.getAttribute('aria-hidden')).to.equal('true');
      expect(shadow(el).querySelector('nav')!.textContent!.replace(/\s+/g, '')).to.equal('ABC');
      expect(getComputedStyle(seps[0]!, '::before').content).to.equal('"»"');
    });

    it('shows page names as text, never as HTML', async () => {
      const server = new FakeServer();
      const evil = '<img src=x onerror="window.__pwned=1">';
      const {el} = await trail(server, (e) => html`<moin-trail endpoint=${e}></moin-trail>`);
      await online(server, el, userView('Alice', [evil]));
      expect(shadow(el).querySelector('img')).to.equal(null);
      expect(links(el)[0]!.textContent).to.equal(shortName(evil));
      expect(links(el)[0]!.title).to.equal(evil);
      expect((window as {__pwned?: number}).__pwned).to.equal(undefined);
    });

    it('shortens long names as 1.9 does and keeps the full name in title', async () => {
      const server = new FakeServer();
      const long = 'ThisIsAVeryLongPageNameForTestingTrail';
      const {el} = await trail(server, (e) => html`<moin-trail endpoint=${e}></moin-trail>`);
      await online(server, el, userView('Alice', ['Short', long, 'Parent/SubPageWithAName']));
      const [a, b, c] = links(el);
      expect(a!.textContent).to.equal('Short');
      expect(a!.hasAttribute('title')).to.equal(false);
      expect(b!.textContent).to.equal('ThisIsAVery...estingTrail');
      expect(b!.title).to.equal(long);
      expect(c!.textContent).to.equal('Parent/SubPageWithAName');
    });

    it('isolates bidirectional names with dir="auto"', async () => {
      const server = new FakeServer();
      const {el} = await trail(server, (e) => html`<moin-trail endpoint=${e}></moin-trail>`);
      await online(server, el, userView('Alice', ['صفحة', 'Page']));
      for (const a of links(el)) expect(a.getAttribute('dir')).to.equal('auto');
    });

    it('builds hrefs from href-template, URL-encoding each path segment', async () => {
      const server = new FakeServer();
      const {el} = await trail(
        server,
        (e) =>
          html`<moin-trail endpoint=${e} href-template="/wiki/{page}?action=show"></moin-trail>`
      );
      await online(server, el, userView('Alice', ['A b/C?d#e', 'Ünï']));
      expect(links(el).map((a) => a.getAttribute('href'))).to.deep.equal([
        '/wiki/A%20b/C%3Fd%23e?action=show',
        '/wiki/%C3%9Cn%C3%AF?action=show',
      ]);
      expect(pageHref('#{page}', 'X/Y')).to.equal('#X/Y');
    });

    it('shows at most the newest five pages, each once, most recent last', async () => {
      const server = new FakeServer();
      const {el} = await trail(server, (e) => html`<moin-trail endpoint=${e}></moin-trail>`);
      await online(server, el, userView('Alice', []));
      // Visits made while the server has not answered yet are shown as the server will keep them.
      const connection = connectionFor(el.endpoint);
      for (const p of ['P1', 'P2', 'P3', 'P2', 'P4', 'P5', 'P6']) connection.visit(p);
      await eventually(() => expect(names(el)).to.deep.equal(['P3', 'P2', 'P4', 'P5', 'P6']));
      expect(new Set(links(el).map((a) => a.href)).size).to.equal(5);
    });

    it('is reachable by keyboard in visual order, with a visible focus ring', async () => {
      const server = new FakeServer();
      const {el} = await trail(
        server,
        (e) => html`<moin-trail endpoint=${e} page="B"></moin-trail>`
      );
      await online(server, el, userView('Alice', ['A', 'B', 'C']));
      const all = links(el);
      expect(shadow(el).querySelectorAll('[tabindex]').length).to.equal(0);
      const xs = all.map((a) => a.getBoundingClientRect().left);
      expect([...xs].sort((a, b) => a - b)).to.deep.equal(xs);
      all[1]!.focus();
      expect(shadow(el).activeElement).to.equal(all[1]);
      const ring = getComputedStyle(all[1]!);
      expect(ring.outlineStyle).to.equal('solid');
      expect(parseFloat(ring.outlineWidth)).to.be.at.least(2);
    });

    it('keeps every ID reference inside its shadow root', async () => {
      const server = new FakeServer();
      const {el} = await trail(server, (e) => html`<moin-trail endpoint=${e}></moin-trail>`);
      await online(server, el, userView('Alice', ['A']));
      for (const node of shadow(el).querySelectorAll(
        '[aria-labelledby],[aria-describedby],[list]'
      )) {
        for (const attr of ['aria-labelledby', 'aria-describedby', 'list']) {
          for (const id of (node.getAttribute(attr) ?? '').split(/\s+/).filter(Boolean)) {
            expect(shadow(el).getElementById(id), `${attr}=${id}`).to.not.equal(null);
          }
        }
      }
    });
  });

  describe('visits', () => {
    it('records a visit of `page` once when connected, written before it is sent', async () => {
      const server = new FakeServer();
      server.session = userView('Alice', ['A']);
      const store = new FallbackKeyValueStore();
      const endpoint = wire(server, {store});
      used.push(endpoint);
      const el = await fixture<MoinTrail>(
        html`<moin-trail endpoint=${endpoint} page="Here"></moin-trail>`
      );
      await eventually(() => expect(FakeSocket.all.length).to.equal(1));
      const socket = FakeSocket.last;
      let storedWhenSent: unknown = null;
      const mirror = new SessionMirror(new URL(endpoint, location.href).href, store);
      socket.onsend = (frame) => {
        if (frame.type === 'visit') storedWhenSent = mirror.load();
      };
      socket.session(server.session);
      await eventually(() => expect(socket.visits().length).to.equal(1));
      expect(socket.visits()[0]!.page).to.equal('Here');
      const record = await (storedWhenSent as ReturnType<SessionMirror['load']>);
      expect(record.pending.map((v) => v.page)).to.deep.equal(['Here']);
      el.requestUpdate();
      await el.updateComplete;
      expect(socket.visits().length).to.equal(1);
      expect(names(el)).to.deep.equal(['A', 'Here']);
    });

    it('records nothing without `page`', async () => {
      const server = new FakeServer();
      const {el} = await trail(server, (e) => html`<moin-trail endpoint=${e}></moin-trail>`);
      await online(server, el, userView('Alice', ['A']));
      await new Promise((r) => setTimeout(r, 50));
      expect(FakeSocket.last.visits()).to.deep.equal([]);
    });

    it('records a new visit when `page` changes', async () => {
      const server = new FakeServer();
      const {el} = await trail(
        server,
        (e) => html`<moin-trail endpoint=${e} page="One"></moin-trail>`
      );
      await online(server, el, userView('Alice', []));
      el.page = 'Two';
      await eventually(() =>
        expect(FakeSocket.last.visits().map((v) => v.page)).to.deep.equal(['One', 'Two'])
      );
    });
  });

  describe('events', () => {
    it('fires moin-trail-change with detail.trail, heard on document', async () => {
      const server = new FakeServer();
      const heard: string[][] = [];
      const listener = (e: Event) => heard.push((e as CustomEvent<{trail: string[]}>).detail.trail);
      document.addEventListener('moin-trail-change', listener);
      try {
        const {el} = await trail(server, (e) => html`<moin-trail endpoint=${e}></moin-trail>`);
        await online(server, el, userView('Alice', ['A', 'B']));
        await eventually(() => expect(heard.at(-1)).to.deep.equal(['A', 'B']));
        FakeSocket.last.session(userView('Alice', ['A', 'B', 'C'], 2));
        await eventually(() => expect(heard.at(-1)).to.deep.equal(['A', 'B', 'C']));
        expect(heard.filter((t) => t.join() === 'A,B').length).to.equal(1);
      } finally {
        document.removeEventListener('moin-trail-change', listener);
      }
    });

    it('fires moin-session-status as the connection goes online', async () => {
      const server = new FakeServer();
      const statuses: string[] = [];
      const listener = (e: Event) =>
        statuses.push((e as CustomEvent<{status: string}>).detail.status);
      document.addEventListener('moin-session-status', listener);
      try {
        const {el} = await trail(server, (e) => html`<moin-trail endpoint=${e}></moin-trail>`);
        await online(server, el, userView('Alice', ['A']));
        await eventually(() => expect(statuses).to.include('online'));
      } finally {
        document.removeEventListener('moin-session-status', listener);
      }
    });
  });

  describe('theming', () => {
    it('exposes parts and --moin-trail-* custom properties to the page', async () => {
      const style = document.createElement('style');
      style.textContent = `
        moin-trail.themed::part(link) { color: rgb(1, 2, 3); }
        moin-trail.themed::part(current) { color: rgb(4, 5, 6); }
        moin-trail.themed::part(list) { background-color: rgb(7, 8, 9); }
        moin-trail.themed { --moin-trail-gap: 17px; --moin-trail-separator: "/"; }`;
      document.head.append(style);
      try {
        const server = new FakeServer();
        const {el} = await trail(
          server,
          (e) => html`<moin-trail class="themed" endpoint=${e} page="B"></moin-trail>`
        );
        await online(server, el, userView('Alice', ['A', 'B']));
        const [a, b] = links(el);
        expect(getComputedStyle(a!).color).to.equal('rgb(1, 2, 3)');
        expect(getComputedStyle(b!).color).to.equal('rgb(4, 5, 6)');
        const ol = shadow(el).querySelector('ol')!;
        expect(getComputedStyle(ol).backgroundColor).to.equal('rgb(7, 8, 9)');
        expect(getComputedStyle(ol).columnGap).to.equal('17px');
        const sep = shadow(el).querySelector('[part~="separator"]')!;
        expect(getComputedStyle(sep, '::before').content).to.equal('"/"');
      } finally {
        style.remove();
      }
    });
  });

  describe('without JavaScript, and before the first paint', () => {
    it('shows the light-DOM fallback until upgrade and never next to its own list', async () => {
      const server = new FakeServer().on('GET /session', () => 'hang');
      const endpoint = uniqueEndpoint();
      await seedMirror(endpoint, userView('Alice', ['FromMirror']));
      wire(server, {}, endpoint);
      used.push(endpoint);
      const host = await fixture<HTMLDivElement>(
        html`<div>
          <moin-trail-late endpoint=${endpoint}>
            <nav aria-label="Page trail">
              <ol>
                <li><a href="/ServerRendered">ServerRendered</a></li>
              </ol>
            </nav>
          </moin-trail-late>
        </div>`
      );
      const fallback = host.querySelector('a')!;
      expect(fallback.getBoundingClientRect().width).to.be.greaterThan(0);
      customElements.define('moin-trail-late', class extends MoinTrail {});
      const el = host.querySelector('moin-trail-late') as MoinTrail;
      await eventually(() => expect(names(el)).to.deep.equal(['FromMirror']));
      expect(fallback.getBoundingClientRect().width).to.equal(0);
      const visible = [...host.querySelectorAll('a'), ...links(el)].filter(
        (a) => a.getBoundingClientRect().width > 0
      );
      expect(visible.map((a) => a.textContent)).to.deep.equal(['FromMirror']);
    });

    it('keeps showing the fallback while nothing is known', async () => {
      const server = new FakeServer().on('GET /session', () => 'hang');
      const {el} = await trail(
        server,
        (e) => html`<moin-trail endpoint=${e}><a href="/X">X</a></moin-trail>`
      );
      await new Promise((r) => setTimeout(r, 50));
      expect(shadow(el).querySelector('slot')).to.not.equal(null);
      expect(el.querySelector('a')!.getBoundingClientRect().width).to.be.greaterThan(0);
    });
  });

  describe('mirror', () => {
    it('paints from the mirror before any network answer', async () => {
      const server = new FakeServer().on('GET /session', () => 'hang');
      const endpoint = uniqueEndpoint();
      await seedMirror(endpoint, userView('Alice', ['Old', 'Older']));
      wire(server, {}, endpoint);
      used.push(endpoint);
      const el = await fixture<MoinTrail>(html`<moin-trail endpoint=${endpoint}></moin-trail>`);
      await eventually(() => expect(names(el)).to.deep.equal(['Old', 'Older']));
      expect(server.requests('GET /session').length).to.equal(1);
      expect(FakeSocket.all.length).to.equal(0);
    });

    it('keeps working when IndexedDB cannot be opened', async () => {
      const open = indexedDB.open;
      indexedDB.open = () => {
        throw new DOMException('blocked', 'InvalidStateError');
      };
      const rejections: unknown[] = [];
      const onRejection = (e: PromiseRejectionEvent) => rejections.push(e.reason);
      addEventListener('unhandledrejection', onRejection);
      try {
        const server = new FakeServer();
        const store = new FallbackKeyValueStore();
        const endpoint = wire(server, {store});
        used.push(endpoint);
        const el = await fixture<MoinTrail>(
          html`<moin-trail endpoint=${endpoint} page="Now"></moin-trail>`
        );
        await online(server, el, userView('Alice', ['Server']));
        await eventually(() => expect(names(el)).to.deep.equal(['Server', 'Now']));
        expect(store.kind).to.equal('memory');
        FakeSocket.last.receive({type: 'ack', id: FakeSocket.last.visits()[0]!.id});
        await new Promise((r) => setTimeout(r, 20));
        expect(rejections).to.deep.equal([]);
      } finally {
        indexedDB.open = open;
        removeEventListener('unhandledrejection', onRejection);
      }
    });

    it('shares one connection and one socket between two trails of one endpoint', async () => {
      const server = new FakeServer();
      server.session = userView('Alice', ['A']);
      const endpoint = wire(server);
      used.push(endpoint);
      const host = await fixture<HTMLDivElement>(
        html`<div>
          <moin-trail endpoint=${endpoint} page="P"></moin-trail>
          <moin-trail endpoint=${endpoint} page="P" label="Again"></moin-trail>
        </div>`
      );
      const [one, two] = [...host.querySelectorAll('moin-trail')];
      await eventually(() => expect(FakeSocket.all.length).to.equal(1));
      FakeSocket.last.session(server.session);
      await eventually(() => expect(names(one!)).to.deep.equal(['A', 'P']));
      expect(names(two!)).to.deep.equal(['A', 'P']);
      expect(FakeSocket.all.length).to.equal(1);
      expect(FakeSocket.last.visits().length).to.equal(1);
    });
  });

  describe('offline', () => {
    it('says quietly and accessibly that it is offline when the server cannot be reached', async () => {
      const server = new FakeServer().on('GET /session', () =>
        Promise.reject(new TypeError('down'))
      );
      const endpoint = uniqueEndpoint();
      await seedMirror(endpoint, userView('Alice', ['Saved']));
      wire(server, {}, endpoint);
      used.push(endpoint);
      const el = await fixture<MoinTrail>(html`<moin-trail endpoint=${endpoint}></moin-trail>`);
      const status = shadow(el).querySelector('[role="status"]')!;
      await eventually(() => expect(status.textContent).to.equal('offline'));
      expect(names(el)).to.deep.equal(['Saved']);
      await expect(el).to.be.accessible();
    });

    it('is offline when the server answers garbage, and online again once it answers', async () => {
      let garbage = true;
      const server = new FakeServer().on('GET /session', () =>
        garbage ? new Response('<html>oops</html>', {status: 200}) : json(userView('Alice', ['X']))
      );
      const endpoint = uniqueEndpoint();
      await seedMirror(endpoint, userView('Alice', ['Saved']));
      wire(server, {}, endpoint);
      used.push(endpoint);
      const el = await fixture<MoinTrail>(
        html`<moin-trail endpoint=${endpoint} offline-text="hors ligne"></moin-trail>`
      );
      const status = shadow(el).querySelector('[role="status"]')!;
      await eventually(() => expect(status.textContent).to.equal('hors ligne'));
      expect(names(el)).to.deep.equal(['Saved']);
      garbage = false;
      await eventually(() => expect(FakeSocket.all.length).to.be.greaterThan(0));
      FakeSocket.last.session(userView('Alice', ['X']));
      await eventually(() => expect(status.textContent).to.equal(''));
      expect(names(el)).to.deep.equal(['X']);
    });

    it('is offline when the socket sends garbage or closes before its first message', async () => {
      const server = new FakeServer();
      server.session = userView('Alice', ['A']);
      const {el} = await trail(server, (e) => html`<moin-trail endpoint=${e}></moin-trail>`);
      const status = shadow(el).querySelector('[role="status"]')!;
      await eventually(() => expect(FakeSocket.all.length).to.equal(1));
      FakeSocket.last.receiveRaw('not json');
      await eventually(() => expect(status.textContent).to.equal('offline'));
      await eventually(() => expect(FakeSocket.all.length).to.equal(2));
      FakeSocket.last.drop();
      await eventually(() => expect(FakeSocket.all.length).to.equal(3));
      expect(status.textContent).to.equal('offline');
      expect(names(el)).to.deep.equal(['A']);
    });
  });
});

function shortName(name: string): string {
  return name.length <= 25 ? name : name.slice(0, 11) + '...' + name.slice(-11);
}
