// Reads a prompt into a scene: setting, time of day, weather, subjects, camera, speed, style.
// Words it does not know still count: they pick the palette hue. `parseWords` reports only what
// the prompt says, so a remix can change those parts of its source's scene and keep the rest.
import { hashSeed } from '../../videos/seed.js';

export type TimeOfDay = 'dawn' | 'day' | 'sunset' | 'dusk' | 'night';
export type Weather = 'clear' | 'rain' | 'snow' | 'fog' | 'storm' | 'wind';
export type Setting = 'mountains' | 'forest' | 'sea' | 'beach' | 'desert' | 'city' | 'space' | 'snowfield' | 'meadow' | 'room' | 'abstract';
export type Camera = 'static' | 'pan_left' | 'pan_right' | 'zoom_in' | 'zoom_out' | 'dolly_in' | 'dolly_out' | 'orbit';
export type Style = 'none' | 'neon' | 'pastel' | 'noir' | 'watercolor' | 'vintage' | 'cinematic';

export interface Subject {
  kind: string;
  count: number;
  color: string | null;
}

export interface Scene {
  setting: Setting;
  time: TimeOfDay;
  weather: Weather;
  subjects: Subject[];
  camera: Camera;
  /** Motion speed: < 1 slow motion, > 1 timelapse. */
  speed: number;
  style: Style;
  /** Hue (0-360) from the words the grammar does not know; tints the palette. */
  hue: number;
  /** Named colours not attached to a subject: accents. */
  colors: string[];
}

/** What a prompt says explicitly; absent fields are left to the base scene or the defaults. */
export interface SceneWords {
  setting?: Setting;
  time?: TimeOfDay;
  weather?: Weather;
  camera?: Camera;
  speed?: number;
  style?: Style;
  subjects: Subject[];
  /** Subject kinds the prompt takes away ("without the birds", "remove the car"). */
  removed: string[];
  colors: string[];
  hue: number;
}

const SETTINGS: [Setting, RegExp][] = [
  ['space', /\b(outer space|space|galaxy|nebula|cosmos|asteroids?|astronauts?|spaceship)\b/],
  ['room', /\b(room|desk|office|kitchen|bedroom|indoors?|table|studio|library|classroom)\b/],
  ['beach', /\b(beach|shore|sand|tropical|island|coast(line)?)\b/],
  ['sea', /\b(sea|ocean|waves?|harbou?r|lake|bay|sailing|underwater)\b/],
  ['desert', /\b(desert|dunes?|sahara|cactus|cacti|canyon|arid)\b/],
  ['city', /\b(city|skyline|streets?|downtown|buildings?|skyscrapers?|town|urban|metropolis|rooftops?)\b/],
  ['snowfield', /\b(snowfield|snowfields|tundra|glacier|arctic|antarctic|ice field|winter landscape|snowy plain)\b/],
  ['forest', /\b(forest|woods?|woodland|jungle|pines?|rainforest)\b/],
  ['mountains', /\b(mountains?|mountainous|peaks?|alps|alpine|hills?|valley|cliffs?|summit|volcano)\b/],
  ['meadow', /\b(meadow|field|fields|grass|grassland|garden|park|prairie|farm|countryside|savanna)\b/],
];

const TIMES: [TimeOfDay, RegExp][] = [
  ['sunset', /\b(sunset|golden hour|evening glow|sundown)\b/],
  ['dawn', /\b(dawn|sunrise|daybreak|morning|first light)\b/],
  ['dusk', /\b(dusk|twilight|evening|blue hour|nightfall)\b/],
  ['night', /\b(night|midnight|moonlit|moonlight|starry|nighttime|dark)\b/],
  ['day', /\b(day|noon|midday|daytime|daylight|sunny|afternoon|bright)\b/],
];

const WEATHERS: [Weather, RegExp][] = [
  ['storm', /\b(storm|stormy|thunder|thunderstorm|lightning|tempest|hurricane)\b/],
  ['snow', /\b(snow(?![- ]capped)|snowing|snowy|snowfall|blizzard|snowflakes?|snowstorm)\b/],
  ['rain', /\b(rain|raining|rainy|drizzle|downpour|showers?)\b/],
  ['fog', /\b(fog|foggy|mist|misty|haze|hazy|smoke|smoky)\b/],
  ['wind', /\b(wind|windy|breeze|breezy|gusts?|gale|blustery)\b/],
  ['clear', /\b(clear sky|clear skies|clear weather|no clouds)\b/],
];

/** Subject kinds and the words that name them; order matters where names overlap. */
export const SUBJECT_WORDS: [string, RegExp][] = [
  ['paper_airplane', /\bpaper (air)?planes?\b|\bpaper aeroplanes?\b/],
  ['airplane', /\b(air|aero)?planes?\b|\bjets?\b|\baircraft\b|\bairliners?\b/],
  ['birds', /\bbirds?\b|\bflocks?\b|\bgulls?\b|\bseagulls?\b|\bswallows?\b|\bgeese\b|\bcrows?\b/],
  ['hot_air_balloon', /\bhot[- ]air balloons?\b/],
  ['balloon', /\bballoons?\b/],
  ['car', /\bcars?\b|\btaxis?\b|\btrucks?\b|\bvans?\b|\bbus\b|\bbuses\b/],
  ['train', /\btrains?\b|\blocomotives?\b|\brailway\b/],
  ['sailboat', /\bsail ?boats?\b|\byachts?\b|\bsailing\b/],
  ['boat', /\bboats?\b|\bships?\b|\bferr(y|ies)\b|\bcanoes?\b/],
  ['fish', /\bfish(es)?\b|\bdolphins?\b|\bkoi\b/],
  ['whale', /\bwhales?\b/],
  ['butterfly', /\bbutterfl(y|ies)\b|\bmoths?\b/],
  ['kite', /\bkites?\b/],
  ['rocket', /\brockets?\b|\bspaceships?\b|\bspace shuttles?\b/],
  ['satellite', /\bsatellites?\b|\bspace station\b/],
  ['moon', /\bmoon\b|\bmoonlit\b|\bmoonlight\b|\bfull moon\b/],
  ['sun', /\bsun\b|\bsunshine\b|\bsunny\b/],
  ['clouds', /\bclouds?\b|\bcloudy\b|\bovercast\b/],
  ['lighthouse', /\blighthouses?\b/],
  ['tree', /\btrees?\b|\boaks?\b/],
  ['house', /\bhouses?\b|\bcabins?\b|\bcottages?\b|\bhomes?\b|\bbarns?\b/],
  ['person', /\b(person|people|man|men|woman|women|walker|walking|child|children|kid|kids|hiker|girl|boy|runner|astronaut)\b/],
  ['dog', /\bdogs?\b|\bpupp(y|ies)\b|\bcorgis?\b/],
  ['cat', /\bcats?\b|\bkittens?\b|\bkitty\b/],
  ['horse', /\bhorses?\b|\bponies\b|\bpony\b|\bstallions?\b/],
  ['bicycle', /\bbicycles?\b|\bbikes?\b|\bcyclists?\b|\bcycling\b/],
  ['drone', /\bdrones?\b|\bquadcopters?\b/],
  ['fireworks', /\bfireworks?\b/],
  ['leaves', /\bleaves\b|\bautumn\b|\bfall foliage\b|\bpetals\b/],
  ['stars', /\bstars\b|\bstarry\b|\bshooting stars?\b|\bstarlight\b/],
  ['planet', /\bplanets?\b|\bsaturn\b|\bjupiter\b|\bmars\b|\bearth from space\b/],
];

export const COLORS: Record<string, string> = {
  red: '#e53935', orange: '#fb8c00', yellow: '#fdd835', green: '#43a047', blue: '#1e88e5', purple: '#8e24aa',
  violet: '#7e57c2', pink: '#ec407a', white: '#f5f5f5', black: '#262626', gray: '#9e9e9e', grey: '#9e9e9e',
  brown: '#795548', gold: '#ffc107', golden: '#ffc107', silver: '#cfd8dc', teal: '#00897b', cyan: '#00bcd4',
  magenta: '#d81b60', turquoise: '#26c6da', crimson: '#c62828', navy: '#1a237e', lime: '#9ccc65', beige: '#d7c4a3',
};

const NUMBERS: Record<string, number> = {
  a: 1, an: 1, one: 1, single: 1, lone: 1, two: 2, pair: 2, three: 3, four: 4, five: 5, six: 6, seven: 7,
  eight: 8, nine: 9, ten: 10, eleven: 11, twelve: 12, several: 4, many: 8, few: 3, couple: 2, dozen: 12, dozens: 16,
};

/** How many of a subject a bare plural means ("balloons" without a number). */
const PLURAL_DEFAULT: Record<string, number> = { birds: 7, leaves: 24, fish: 5, fireworks: 3, butterfly: 4, clouds: 3 };

/** Words the grammar itself uses; everything else is "unknown" and picks the hue. */
const GRAMMAR = new Set([
  ...Object.keys(NUMBERS), ...Object.keys(COLORS),
  'the', 'of', 'in', 'on', 'over', 'under', 'and', 'with', 'at', 'by', 'to', 'into', 'from', 'through', 'across', 'above',
  'it', 'make', 'is', 'are', 'its', 'their', 'some', 'very', 'slow', 'motion', 'camera', 'shot', 'pan', 'pans', 'zoom',
  'left', 'right', 'in', 'out', 'dolly', 'orbit', 'static', 'timelapse', 'time', 'lapse',
]);

/** A stable 32-bit hash of a string: the same one that derives a video's default seed. */
export const hash32 = hashSeed;

/** A count and colour from the few words before a subject ("three red balloons"). */
function qualifiers(text: string, index: number, matched: string, kind: string): { count: number; color: string | null } {
  const words = text.slice(Math.max(0, index - 48), index).replace(/[^a-z0-9 -]/g, ' ').trim().split(/\s+/).slice(-4);
  let count = 0;
  let color: string | null = null;
  for (const w of words) {
    if (NUMBERS[w] !== undefined) count = NUMBERS[w];
    else if (/^\d+$/.test(w)) count = Number(w);
    for (const part of w.split('-')) if (COLORS[part]) color = COLORS[part];
  }
  // "a flock" is one flock of many birds.
  if ((/flock|swarm|herd|school/.test(matched) || kind === 'leaves') && count <= 1) count = 0;
  if (!count) count = /s\b|\bflock|\bpeople|\bchildren|\bgeese|\bfish/.test(matched) && !/ss$/.test(matched) ? (PLURAL_DEFAULT[kind] ?? 3) : 1;
  return { count: Math.max(1, Math.min(count, 24)), color };
}

export function parseWords(prompt: string): SceneWords {
  const text = prompt.toLowerCase().replace(/\[reelay:[^\]]*\]/g, ' ');
  const first = <T>(table: [T, RegExp][]): T | undefined => table.find(([, re]) => re.test(text))?.[0];

  const subjects: Subject[] = [];
  const removed: string[] = [];
  let rest = text;
  for (const [kind, re] of SUBJECT_WORDS) {
    const m = re.exec(rest);
    if (!m) continue;
    // Blank the match so "paper airplane" is not also an "airplane".
    rest = rest.slice(0, m.index) + ' '.repeat(m[0].length) + rest.slice(m.index + m[0].length);
    if (/\b(no|without|remove|removing|minus|lose)( the| any| all)? $/.test(text.slice(Math.max(0, m.index - 20), m.index))) {
      removed.push(kind);
      continue;
    }
    subjects.push({ kind, ...qualifiers(text, m.index, m[0], kind) });
  }

  let camera: Camera | undefined;
  if (/\bpan(s|ning|ned)? (to the )?left\b|\bleftward/.test(text)) camera = 'pan_left';
  else if (/\bpan(s|ning|ned)?\b|\btracking shot\b|\btruck(s|ing)? (right|left)\b/.test(text)) camera = 'pan_right';
  else if (/\bdolly (out|back)\b|\bpull(s|ing)? back\b/.test(text)) camera = 'dolly_out';
  else if (/\bdolly\b|\bpush(es|ing)? (in|forward)\b|\bflying (forward|through)\b/.test(text)) camera = 'dolly_in';
  else if (/\bzoom(s|ing|ed)? out\b|\bwide(ning)? shot\b/.test(text)) camera = 'zoom_out';
  else if (/\bzoom(s|ing|ed)?\b|\bclose[- ]up\b/.test(text)) camera = 'zoom_in';
  else if (/\borbit(s|ing)?\b|\bcircl(e|es|ing) around\b|\b360\b|\baround the\b/.test(text)) camera = 'orbit';
  else if (/\bstatic\b|\bstill shot\b|\blocked[- ]off\b|\btripod\b/.test(text)) camera = 'static';

  let speed: number | undefined;
  if (/\bslow[- ]?(motion|mo)\b|\bslowly\b/.test(text)) speed = 0.35;
  else if (/\btime[- ]?lapse\b|\bhyperlapse\b|\bfast[- ]forward\b/.test(text)) speed = 4;
  else if (/\bfast\b|\bquickly\b|\brushing\b|\bspeeding\b/.test(text)) speed = 1.8;

  let style: Style | undefined;
  if (/\bneon\b|\bcyberpunk\b|\bsynthwave\b|\bvaporwave\b/.test(text)) style = 'neon';
  else if (/\bpastel\b|\bsoft colou?rs\b|\bdreamy\b/.test(text)) style = 'pastel';
  else if (/\bnoir\b|\bblack[- ]and[- ]white\b|\bmonochrome\b|\bgr[ae]yscale\b|\bb&w\b/.test(text)) style = 'noir';
  else if (/\bwatercolou?rs?\b|\bpainting\b|\bpainted\b|\bgouache\b/.test(text)) style = 'watercolor';
  else if (/\bvintage\b|\bfilm grain\b|\bgrainy\b|\bretro\b|\bold film\b|\bsepia\b|\b8mm\b|\b16mm\b|\bsuper 8\b/.test(text)) style = 'vintage';
  else if (/\bcinematic\b|\bepic\b|\bfilmic\b|\banamorphic\b|\bmovie\b/.test(text)) style = 'cinematic';
  else if (/\bno style\b|\bnatural colou?rs\b|\brealistic\b/.test(text)) style = 'none';

  const colors: string[] = [];
  for (const [name, hex] of Object.entries(COLORS)) {
    if (new RegExp(`\\b${name}\\b`).test(text) && !subjects.some((s) => s.color === hex) && !colors.includes(hex)) colors.push(hex);
  }
  const unknown = text
    .split(/[^a-z]+/)
    .filter((w) => w.length > 2 && !GRAMMAR.has(w))
    .filter((w) => ![...SETTINGS, ...TIMES, ...WEATHERS, ...SUBJECT_WORDS].some(([, re]) => re.test(w)));
  return {
    setting: first(SETTINGS),
    time: first(TIMES),
    weather: first(WEATHERS),
    camera,
    speed,
    style,
    subjects,
    removed,
    colors,
    hue: hash32(unknown.join(' ') || text) % 360,
  };
}

const SEA_KINDS = new Set(['boat', 'sailboat', 'whale', 'fish', 'lighthouse']);
const SPACE_KINDS = new Set(['rocket', 'satellite', 'planet']);

/** Fills in what the words leave open: from `base` when given (remix, extension), else defaults. */
export function resolveScene(words: SceneWords, base?: Scene): Scene {
  let subjects: Subject[];
  if (base) {
    const named = new Set(words.subjects.map((s) => s.kind));
    subjects = base.subjects.filter((s) => !named.has(s.kind) && !words.removed.includes(s.kind)).concat(words.subjects);
  } else {
    subjects = words.subjects;
  }
  const kinds = new Set(subjects.map((s) => s.kind));
  const inferredSetting = (): Setting => {
    if ([...kinds].some((k) => SPACE_KINDS.has(k))) return 'space';
    if ([...kinds].some((k) => SEA_KINDS.has(k))) return 'sea';
    if (kinds.size > 0 || words.time || words.weather === 'snow') return words.weather === 'snow' ? 'snowfield' : 'meadow';
    return 'abstract';
  };
  const setting = words.setting ?? base?.setting ?? inferredSetting();
  const inferredTime = (): TimeOfDay => {
    if (setting === 'space' || kinds.has('fireworks') || kinds.has('stars') || (kinds.has('moon') && !kinds.has('sun'))) return 'night';
    return 'day';
  };
  return {
    setting,
    time: words.time ?? base?.time ?? inferredTime(),
    weather: words.weather ?? base?.weather ?? 'clear',
    subjects,
    camera: words.camera ?? base?.camera ?? 'static',
    speed: words.speed ?? base?.speed ?? 1,
    style: words.style ?? base?.style ?? 'none',
    hue: base ? base.hue : words.hue,
    colors: words.colors.length ? words.colors : (base?.colors ?? []),
  };
}

export function parseScene(prompt: string): Scene {
  return resolveScene(parseWords(prompt));
}
