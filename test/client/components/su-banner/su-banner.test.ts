import {expect, fixture, html} from '@open-wc/testing';
import '../../../../client/components/su-banner/su-banner.js';
import type {MoinSuBanner} from '../../../../client/components/su-banner/su-banner.component.js';
import {connectionFor} from '../../../../client/connection/registry.js';
import type {ConnectionOptions} from '../../../../client/connection/session-connection.js';
import {identityOf} from '../../../../client/connection/trail-view.js';
import {FallbackKeyValueStore} from '../../../../client/mirror/key-value-store.js';
import {SessionMirror} from '../../../../client/mirror/session-mirror.js';
import type {SessionView} from '../../../../shared/index.js';
import {FakeSocket} from '../../support/fake-socket.js';
import {FakeServer, json, userView} from '../../support/fake-server.js';
import {clearMirror, eventually, forget, uniqueEndpoint} from '../../support/setup.js';

const admin = (over: Partial<SessionView> = {}) => ({
  ...userView('Admin', ['A']),
  superuser: true,
  ...over,
});
const switched = (rev = 2) => admin({user: {name: 'Bob'}, realUser: {name: 'Admin'}, rev});

const used: string[] = [];
function wire(server: FakeServer, endpoint = uniqueEndpoint()): string {
  used.push(endpoint);
  connectionFor(endpoint, {
    fetch: server.fetch,
    WebSocket: FakeSocket as unknown as ConnectionOptions['WebSocket'],
    timing: {minDelayMs: 20, maxDelayMs: 40, refusedMaxDelayMs: 40},
  });
  return endpoint;
}

async function banner(server: FakeServer, markup: (endpoint: string) => ReturnType<typeof html>) {
  const endpoint = wire(server);
  const el = await fixture<MoinSuBanner>(markup(endpoint));
  await eventually(() => expect(FakeSocket.all.length).to.equal(1));
  return el;
}

/** The server pushes `v` on the socket; the banner renders it. */
async function push(el: MoinSuBanner, v: SessionView): Promise<void> {
  FakeSocket.last.session(v);
  await el.updateComplete;
}

const region = (el: MoinSuBanner) => el.shadowRoot!.querySelector('section');
const announcement = (el: MoinSuBanner) =>
  el.shadowRoot!.querySelector('[role="status"]')!.textContent!.trim();

describe('<moin-su-banner>', () => {
  beforeEach(async () => {
    await clearMirror();
    FakeSocket.reset();
  });
  afterEach(() => forget(...used.splice(0)));

  describe('while acting as another user', () => {
    it('shows a labelled region naming both users, with a way back, and passes axe', async () => {
      const server = new FakeServer();
      server.session = switched();
      const el = await banner(server, (e) => html`<moin-su-banner endpoint=${e}></moin-su-banner>`);
      await push(el, switched());
      const section = region(el)!;
      expect(section.getAttribute('aria-label')).to.equal('Change of user');
      expect(section.getAttribute('role')).to.equal(null);
      expect(el.shadowRoot!.querySelector('[role="alert"]')).to.equal(null);
      expect(section.querySelector('p')!.textContent!.replace(/\s+/g, ' ').trim()).to.equal(
        'You are acting as Bob (signed in as Admin)'
      );
      expect([...section.querySelectorAll('strong')].map((s) => s.textContent)).to.deep.equal([
        'Bob',
        'Admin',
      ]);
      expect(section.querySelector('button')!.textContent!.trim()).to.equal('Return to Admin');
      await expect(el).to.be.accessible();
    });

    it('keeps 4.5:1 contrast in a dark colour scheme too', async () => {
      const server = new FakeServer();
      server.session = switched();
      const el = await banner(
        server,
        (e) => html`<moin-su-banner style="color-scheme: dark" endpoint=${e}></moin-su-banner>`
      );
      await push(el, switched());
      expect(getComputedStyle(region(el)!).backgroundColor).to.equal('rgb(58, 45, 0)');
      await expect(el).to.be.accessible();
    });

    it('returns with DELETE {endpoint}/su (with credentials) and disappears', async () => {
      const server = new FakeServer();
      server.session = switched();
      server.on('DELETE /su', () => json(admin({rev: 3})));
      const el = await banner(server, (e) => html`<moin-su-banner endpoint=${e}></moin-su-banner>`);
      await push(el, switched());
      region(el)!.querySelector('button')!.click();
      await eventually(() => expect(region(el)).to.equal(null));
      const [req] = server.requests('DELETE /su');
      expect(req!.credentials).to.equal('include');
      expect(announcement(el)).to.equal('You are Admin again.');
    });

    it('shows a failed return inline, in a polite live region', async () => {
      const server = new FakeServer();
      server.session = switched();
      server.on('DELETE /su', () =>
        json({error: {code: 'not_switched', message: 'You are not acting as another user.'}}, 409)
      );
      const el = await banner(server, (e) => html`<moin-su-banner endpoint=${e}></moin-su-banner>`);
      await push(el, switched());
      region(el)!.querySelector('button')!.click();
      const error = () => region(el)!.querySelector('[part~="error"]')!;
      await eventually(() =>
        expect(error().textContent).to.equal('You are not acting as another user.')
      );
      expect(error().getAttribute('aria-live')).to.equal('polite');
    });

    it('uses the words it is given', async () => {
      const server = new FakeServer();
      server.session = switched();
      const el = await banner(
        server,
        (e) =>
          html`<moin-su-banner
            endpoint=${e}
            label="Benutzerwechsel"
            message="Du handelst als {user} (angemeldet als {realUser})"
            return-text="Zurück zu {realUser}"
          ></moin-su-banner>`
      );
      await push(el, switched());
      expect(region(el)!.getAttribute('aria-label')).to.equal('Benutzerwechsel');
      expect(region(el)!.querySelector('p')!.textContent!.replace(/\s+/g, ' ').trim()).to.equal(
        'Du handelst als Bob (angemeldet als Admin)'
      );
      expect(region(el)!.querySelector('button')!.textContent!.trim()).to.equal('Zurück zu Admin');
    });

    it('stays in the page flow and never takes focus', async () => {
      const server = new FakeServer();
      server.session = admin();
      const endpoint = wire(server);
      const host = await fixture<HTMLDivElement>(
        html`<div>
          <input id="typing" />
          <moin-su-banner endpoint=${endpoint}></moin-su-banner>
          <p id="after">Content</p>
        </div>`
      );
      const input = host.querySelector('input')!;
      input.focus();
      const el = host.querySelector('moin-su-banner')!;
      await eventually(() => expect(FakeSocket.all.length).to.equal(1));
      await push(el, admin());
      const before = host.querySelector('#after')!.getBoundingClientRect().top;
      await push(el, switched());
      expect(document.activeElement).to.equal(input);
      expect(getComputedStyle(el).position).to.equal('static');
      const box = region(el)!.getBoundingClientRect();
      const after = host.querySelector('#after')!.getBoundingClientRect();
      expect(after.top).to.be.greaterThan(before);
      expect(after.top).to.be.at.least(box.bottom);
    });
  });

  describe('when not acting as another user', () => {
    it('shows nothing and takes no space', async () => {
      const server = new FakeServer();
      server.session = userView('Alice');
      const el = await banner(server, (e) => html`<moin-su-banner endpoint=${e}></moin-su-banner>`);
      await push(el, userView('Alice'));
      expect(region(el)).to.equal(null);
      expect(el.getBoundingClientRect().height).to.equal(0);
    });

    it('announces politely when a change of user starts elsewhere, not at load', async () => {
      const server = new FakeServer();
      server.session = admin();
      const el = await banner(server, (e) => html`<moin-su-banner endpoint=${e}></moin-su-banner>`);
      await push(el, admin());
      expect(announcement(el)).to.equal('');
      await push(el, switched());
      expect(announcement(el)).to.equal('You are acting as Bob (signed in as Admin)');
      expect(el.shadowRoot!.querySelector('[role="status"]')!.getAttribute('role')).to.equal(
        'status'
      );
    });

    it('trusts only the server: a mirrored change of user shows nothing until the server says so', async () => {
      const endpoint = uniqueEndpoint();
      const abs = new URL(endpoint, location.href).href;
      await new SessionMirror(abs, new FallbackKeyValueStore()).update(
        identityOf(switched()),
        (r) => ({
          ...r,
          view: switched(),
        })
      );
      const server = new FakeServer().on('GET /session', () => 'hang');
      wire(server, endpoint);
      const el = await fixture<MoinSuBanner>(
        html`<moin-su-banner endpoint=${endpoint}></moin-su-banner>`
      );
      await eventually(() =>
        expect(connectionFor(endpoint).state.view?.realUser?.name).to.equal('Admin')
      );
      await el.updateComplete;
      expect(region(el)).to.equal(null);
    });
  });

  describe('picker', () => {
    it('offers a superuser a change-user form with suggestions, and changes user on submit', async () => {
      const server = new FakeServer();
      server.session = admin();
      server.on('GET /users', (req) =>
        json({
          users:
            new URL(req.url).searchParams.get('q') === 'B' ? [{name: 'Bob'}, {name: 'Bea'}] : [],
        })
      );
      server.on('POST /su', () => json(switched()));
      const el = await banner(
        server,
        (e) => html`<moin-su-banner picker endpoint=${e}></moin-su-banner>`
      );
      await push(el, admin());
      const form = el.shadowRoot!.querySelector('form')!;
      expect(form.getAttribute('aria-label')).to.equal('Change user');
      await expect(el).to.be.accessible();
      const input = form.querySelector('input')!;
      input.value = 'B';
      input.dispatchEvent(new InputEvent('input', {bubbles: true, composed: true}));
      await eventually(() =>
        expect(
          [...el.shadowRoot!.querySelectorAll('datalist option')].map((o) =>
            o.getAttribute('value')
          )
        ).to.deep.equal(['Bob', 'Bea'])
      );
      expect(server.requests('GET /users')[0]!.credentials).to.equal('include');
      // The suggestion list is referenced from inside the same shadow root (IDREFs cannot cross it).
      expect(el.shadowRoot!.getElementById(input.getAttribute('list')!)!.tagName).to.equal(
        'DATALIST'
      );
      input.value = 'Bob';
      form.requestSubmit();
      await eventually(() => expect(region(el)).to.not.equal(null));
      expect(server.requests('POST /su')[0]!.body).to.deep.equal({name: 'Bob'});
      expect(el.shadowRoot!.querySelector('form')).to.equal(null);
    });

    it('shows refusals inline and can translate them by code', async () => {
      const server = new FakeServer();
      server.session = admin();
      server.on('POST /su', () =>
        json({error: {code: 'unknown_user', message: 'There is no active user named "Zed".'}}, 404)
      );
      const el = await banner(
        server,
        (e) => html`<moin-su-banner picker endpoint=${e}></moin-su-banner>`
      );
      await push(el, admin());
      const form = el.shadowRoot!.querySelector('form')!;
      form.querySelector('input')!.value = 'Zed';
      form.requestSubmit();
      const error = () => form.querySelector('[part~="error"]')!;
      await eventually(() =>
        expect(error().textContent).to.equal('There is no active user named "Zed".')
      );
      expect(error().getAttribute('aria-live')).to.equal('polite');
      el.errorMessages = {unknown_user: 'Unbekannter Benutzer.'};
      form.requestSubmit();
      await eventually(() => expect(error().textContent).to.equal('Unbekannter Benutzer.'));
    });

    it('takes error texts as a property, never as an attribute', async () => {
      const server = new FakeServer();
      const el = await banner(server, (e) => html`<moin-su-banner endpoint=${e}></moin-su-banner>`);
      el.errorMessages = {unknown_user: 'x'};
      el.picker = true;
      await el.updateComplete;
      expect(el.getAttribute('error-messages')).to.equal(null);
      expect(el.hasAttribute('errormessages')).to.equal(false);
    });

    it('is not offered to users who are not superusers, nor without `picker`', async () => {
      const server = new FakeServer();
      server.session = userView('Alice');
      const el = await banner(
        server,
        (e) => html`<moin-su-banner picker endpoint=${e}></moin-su-banner>`
      );
      await push(el, userView('Alice'));
      expect(el.shadowRoot!.querySelector('form')).to.equal(null);
      el.picker = false;
      await push(el, admin({rev: 5}));
      expect(el.shadowRoot!.querySelector('form')).to.equal(null);
      el.picker = true;
      await el.updateComplete;
      expect(el.shadowRoot!.querySelector('form')).to.not.equal(null);
    });
  });
});
