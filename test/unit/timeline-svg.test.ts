import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { extractTimeline, renderTimelineSvg, tickStep, xmlEscape } from '../../agent/cli/timeline.ts';

const tl = {
  origin: '2026-11-25T22:07:44.580Z',
  entries: [
    { step: 'lts-conf', queuedAt: 10, startedAt: 12, endedAt: 600, outcome: 'ok' as const, waitedFor: [] },
    { step: 'swap', queuedAt: 10, startedAt: 650, endedAt: 3000, outcome: 'failed' as const, waitedFor: ['lts-conf'], detail: 'nbd-client <exited 1>' },
    { step: 'sound', queuedAt: 11, startedAt: 20, endedAt: 21, outcome: 'skipped' as const, waitedFor: [], detail: 'SOUND is false' },
  ],
  marks: [{ name: 'agent-start', at: 5 }, { name: 'steps-done', at: 3001 }],
};

describe('timeline SVG', () => {
  it('draws one labelled row per step, coloured by outcome, with reasons in tooltips', () => {
    const svg = renderTimelineSvg(tl);
    assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    for (const s of ['lts-conf', 'swap', 'sound', 'steps-done']) assert.ok(svg.includes(`>${s}<`), s);
    assert.ok(svg.includes('#d0382b'), 'failed colour');
    assert.ok(svg.includes('nbd-client &lt;exited 1&gt;'), 'detail escaped in the tooltip');
    assert.ok(svg.includes('waited 640 ms for lts-conf'), 'why it waited');
    assert.equal(svg, renderTimelineSvg(tl), 'deterministic');
  });

  it('finds the timeline in a JSON file, a pino log line and a prefixed console line', () => {
    assert.deepEqual(extractTimeline(JSON.stringify(tl)), tl);
    const pino = JSON.stringify({ level: 30, msg: 'boot phase done', timeline: tl });
    assert.deepEqual(extractTimeline(`noise\n${pino}\nmore`), tl);
    assert.deepEqual(extractTimeline(`[ 45.8] LTSP-PROOF timeline ${JSON.stringify(tl)}`), tl);
    assert.equal(extractTimeline('no timeline here {"a":1}'), undefined);
  });

  it('escapes XML and picks round tick steps', () => {
    assert.equal(xmlEscape(`<a & "b">`), '&lt;a &amp; &quot;b&quot;&gt;');
    assert.equal(tickStep(10_400), 2000);
    assert.equal(tickStep(950), 100);
  });
});
