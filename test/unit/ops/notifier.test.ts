import { Notifier } from '../../../src/ops/notifier';
import { silentLogger } from '../../../src/util/logger';
import { startReceiver, until, type Receiver } from './helpers';

describe('Notifier', () => {
  let receiver: Receiver;
  let notifier: Notifier;
  afterEach(async () => {
    await notifier.stop(0);
    await receiver.close();
  });

  const make = (url: string, over: Partial<ConstructorParameters<typeof Notifier>[0]> = {}) =>
    new Notifier({ hookUrl: url, serverName: 'otc-1', log: silentLogger(), retryBaseMs: 5, ...over });

  it('posts Slack-style {text} with the server name, in order', async () => {
    receiver = await startReceiver();
    notifier = make(receiver.url);
    notifier.notify('first');
    notifier.notify('second');
    await until(() => receiver.delivered.length === 2);
    expect(receiver.delivered).toEqual(['[otc-1] first', '[otc-1] second']);
  });

  it('leaves the brackets out without a server name', async () => {
    receiver = await startReceiver();
    notifier = make(receiver.url, { serverName: '' });
    notifier.notify('plain');
    await until(() => receiver.delivered.length === 1);
    expect(receiver.delivered).toEqual(['plain']);
  });

  it('delivers once through a receiver that fails twice, then answers', async () => {
    receiver = await startReceiver((n) => (n <= 2 ? 500 : 200));
    const results: string[] = [];
    notifier = make(receiver.url, { onResult: (r) => results.push(r) });
    notifier.notify('hot wallet low');
    notifier.notify('marker');
    // The queue is sequential: once the marker is through, no retry of the first can follow.
    await until(() => results.length === 2);
    expect(receiver.hits).toBe(4);
    expect(receiver.delivered).toEqual(['[otc-1] hot wallet low', '[otc-1] marker']);
    expect(results).toEqual(['sent', 'sent']);
  });

  it('gives up after the bounded number of tries and goes on with the next message', async () => {
    receiver = await startReceiver((n) => (n <= 3 ? 503 : 200));
    const results: string[] = [];
    notifier = make(receiver.url, { tries: 3, onResult: (r) => results.push(r) });
    notifier.notify('lost');
    notifier.notify('kept');
    // The receiver records a message before the notifier reads its answer.
    await until(() => results.length === 2);
    expect(receiver.hits).toBe(4);
    expect(receiver.delivered).toEqual(['[otc-1] kept']);
    expect(results).toEqual(['failed', 'sent']);
  });

  it('does not retry a client error other than 408 / 429', async () => {
    receiver = await startReceiver((n) => (n === 1 ? 404 : 200));
    notifier = make(receiver.url);
    notifier.notify('bad hook');
    notifier.notify('next');
    await until(() => receiver.delivered.length === 1);
    expect(receiver.hits).toBe(2);
    expect(receiver.delivered).toEqual(['[otc-1] next']);
  });

  it('never blocks the caller and drops the oldest beyond the queue bound', async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => (release = r));
    receiver = await startReceiver();
    const results: string[] = [];
    // The first delivery hangs until released, so the queue fills behind it.
    let first = true;
    const realFetch = globalThis.fetch;
    const spy = jest.spyOn(globalThis, 'fetch').mockImplementation(async (...args) => {
      if (first) {
        first = false;
        await gate;
      }
      return realFetch(...args);
    });
    notifier = make(receiver.url, { maxQueue: 3, onResult: (r) => results.push(r) });
    // notify() is synchronous: reaching the next line while the first delivery hangs is the proof.
    for (let i = 0; i < 6; i++) notifier.notify(`m${i}`);
    expect(notifier.pending).toBe(3);
    release();
    await until(() => receiver.delivered.length === 3);
    spy.mockRestore();
    expect(receiver.delivered).toEqual(['[otc-1] m0', '[otc-1] m4', '[otc-1] m5']);
    expect(results.filter((r) => r === 'dropped')).toHaveLength(3);
  });

  it('does nothing without a hook URL', async () => {
    receiver = await startReceiver();
    notifier = make('');
    expect(notifier.enabled).toBe(false);
    notifier.notify('nobody listens');
    expect(notifier.pending).toBe(0);
  });

  it('stop() gives up on an unreachable hook within the flush time', async () => {
    receiver = await startReceiver(() => 500);
    notifier = make(receiver.url, { retryBaseMs: 10_000 });
    notifier.notify('stuck');
    await until(() => receiver.hits === 1);
    // Retries 10 s, 20 s, 30 s, 30 s apart: waiting them out would outlast the test's timeout.
    await notifier.stop(50);
    notifier.notify('after stop');
    expect(notifier.pending).toBe(1);
  });
});
