// The prompt grammar: what the local engine reads from words (no rendering here).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseScene, parseWords, resolveScene, SUBJECT_WORDS, COLORS } from '../../../src/engines/local/scene.js';
import { KINDS } from '../../../src/engines/local/subjects.js';
import { makeLayout } from '../../../src/engines/local/layout.js';

test('settings, times of day and weather are read from the prompt', () => {
  const cases: [string, string, string, string][] = [
    ['snow-capped mountains at dawn', 'mountains', 'dawn', 'clear'],
    ['a dark forest in a thunderstorm with lightning', 'forest', 'night', 'storm'],
    ['waves on the sea at sunset', 'sea', 'sunset', 'clear'],
    ['a palm tree on a tropical beach in the rain', 'beach', 'day', 'rain'],
    ['dunes in the desert at dusk, windy', 'desert', 'dusk', 'wind'],
    ['a city skyline at night in fog', 'city', 'night', 'fog'],
    ['a nebula in outer space', 'space', 'night', 'clear'],
    ['a quiet snowfield while it is snowing', 'snowfield', 'day', 'snow'],
    ['a meadow of flowers on a sunny afternoon', 'meadow', 'day', 'clear'],
    ['a cosy room with a desk', 'room', 'day', 'clear'],
  ];
  for (const [prompt, setting, time, weather] of cases) {
    const s = parseScene(prompt);
    assert.deepEqual([s.setting, s.time, s.weather], [setting, time, weather], prompt);
  }
});

test('at least 30 subject kinds, each with a drawing, counted and coloured', () => {
  const kinds = SUBJECT_WORDS.map(([k]) => k);
  assert.ok(kinds.length >= 30, `${kinds.length} kinds`);
  for (const k of kinds) assert.ok(KINDS[k], `no drawing for ${k}`);
  const s = parseScene('three red balloons, a paper airplane, two blue cars and a flock of birds');
  const by = Object.fromEntries(s.subjects.map((x) => [x.kind, x]));
  assert.equal(by.balloon.count, 3);
  assert.equal(by.balloon.color, COLORS.red);
  assert.equal(by.paper_airplane.count, 1);
  assert.equal(by.airplane, undefined, 'a paper airplane is not also an airplane');
  assert.equal(by.car.count, 2);
  assert.equal(by.car.color, COLORS.blue);
  assert.ok(by.birds.count > 1, 'a flock is several birds');
  // Each counted instance is placed.
  assert.equal(makeLayout(s, 7).actors.filter((a) => a.kind === 'balloon').length, 3);
  // Every kind is named by an everyday word.
  const names: Record<string, string> = {
    paper_airplane: 'paper airplane', airplane: 'jet', birds: 'seagull', hot_air_balloon: 'hot air balloon', balloon: 'balloon',
    car: 'taxi', train: 'train', sailboat: 'sailboat', boat: 'ship', fish: 'dolphin', whale: 'whale', butterfly: 'butterfly',
    kite: 'kite', rocket: 'rocket', satellite: 'satellite', moon: 'moon', sun: 'sun', clouds: 'cloud', lighthouse: 'lighthouse',
    tree: 'oak', house: 'cottage', person: 'woman', dog: 'puppy', cat: 'kitten', horse: 'pony', bicycle: 'bike', drone: 'drone',
    fireworks: 'fireworks', leaves: 'autumn leaves', stars: 'shooting star', planet: 'saturn',
  };
  for (const kind of kinds) {
    assert.ok(names[kind], `no test word for ${kind}`);
    assert.ok(parseScene(`a ${names[kind]}`).subjects.some((x) => x.kind === kind), `${kind} from '${names[kind]}'`);
  }
});

test('camera, speed and style words', () => {
  const cam: [string, string][] = [
    ['slow pan left across the hills', 'pan_left'],
    ['the camera pans right', 'pan_right'],
    ['zoom in on the lighthouse', 'zoom_in'],
    ['zoom out from the city', 'zoom_out'],
    ['a dolly shot through the forest', 'dolly_in'],
    ['orbit around the balloon', 'orbit'],
    ['a static shot of the sea', 'static'],
  ];
  for (const [p, c] of cam) assert.equal(parseScene(p).camera, c, p);
  assert.ok(parseScene('a horse in slow motion').speed < 1);
  assert.ok(parseScene('timelapse of clouds over mountains').speed > 1);
  const styles: [string, string][] = [
    ['neon city', 'neon'], ['pastel meadow', 'pastel'], ['film noir street', 'noir'], ['black and white beach', 'noir'],
    ['a watercolor garden', 'watercolor'], ['vintage film grain', 'vintage'], ['cinematic desert', 'cinematic'],
  ];
  for (const [p, s] of styles) assert.equal(parseScene(p).style, s, p);
});

test('unknown words still make a scene, and they pick the palette', () => {
  const a = parseScene('quantum marmalade symphony');
  const b = parseScene('velvet thunderclap origami');
  assert.equal(a.setting, 'abstract');
  assert.notEqual(a.hue, b.hue);
  assert.equal(parseScene('').setting, 'abstract');
});

test('a remix changes only what its words name', () => {
  const base = parseScene('three red balloons over a meadow at noon, pan left, watercolor');
  const night = resolveScene(parseWords('make it night'), base);
  assert.equal(night.time, 'night');
  assert.deepEqual(night.subjects, base.subjects);
  assert.equal(night.setting, base.setting);
  assert.equal(night.camera, base.camera);
  assert.equal(night.style, base.style);
  assert.equal(night.hue, base.hue);
  const snow = resolveScene(parseWords('add snow and two kites, without the balloons'), base);
  assert.equal(snow.weather, 'snow');
  assert.deepEqual(snow.subjects.map((s) => [s.kind, s.count]), [['kite', 2]]);
  // The composition of unchanged subjects does not move when the weather or time changes.
  const la = makeLayout(base, 99).actors;
  const lb = makeLayout(night, 99).actors;
  assert.deepEqual(lb, la);
});
