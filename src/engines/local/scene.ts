// Reads a prompt into a scene: setting, time of day, weather, subjects, camera, style.
// Unknown words still count: they seed the palette and layout through the prompt hash.

export type TimeOfDay = 'dawn' | 'day' | 'sunset' | 'dusk' | 'night';
export type Weather = 'clear' | 'rain' | 'snow' | 'fog' | 'storm' | 'wind';
export type Setting = 'mountains' | 'forest' | 'sea' | 'desert' | 'city' | 'space' | 'snowfield' | 'meadow' | 'room' | 'abstract';
export type Camera = 'static' | 'pan_left' | 'pan_right' | 'zoom_in' | 'zoom_out' | 'orbit';
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
  speed: number;
  style: Style;
  /** Hue (0-360) picked from the prompt's words, used where nothing names a colour. */
  hue: number;
  colors: string[];
}

const SETTINGS: [Setting, RegExp][] = [
  ['space', /\b(space|galaxy|nebula|orbit(ing)?|cosmos|asteroid|astronaut)\b/],
  ['sea', /\b(sea|ocean|beach|waves?|coast|shore|harbou?r|lake|bay)\b/],
  ['desert', /\b(desert|dunes?|sahara|cactus|canyon)\b/],
  ['city', /\b(city|skyline|street|downtown|buildings?|skyscrapers?|town|urban)\b/],
  ['snowfield', /\b(snowfield|tundra|glacier|arctic|antarctic|ice field)\b/],
  ['forest', /\b(forest|woods?|jungle|pines?|trees)\b/],
  ['mountains', /\b(mountains?|peaks?|alps|hills?|valley|cliffs?)\b/],
  ['room', /\b(room|desk|office|kitchen|bedroom|indoors?|table|studio)\b/],
  ['meadow', /\b(meadow|field|grass|garden|park|prairie|farm)\b/],
];

const TIMES: [TimeOfDay, RegExp][] = [
  ['night', /\b(night|midnight|moonlit|starry|nighttime|dark)\b/],
  ['sunset', /\b(sunset|golden hour|evening glow)\b/],
  ['dusk', /\b(dusk|twilight|evening|blue hour)\b/],
  ['dawn', /\b(dawn|sunrise|daybreak|morning)\b/],
  ['day', /\b(day|noon|midday|daytime|sunny|afternoon)\b/],
];

const WEATHERS: [Weather, RegExp][] = [
  ['storm', /\b(storm|stormy|thunder|thunderstorm|lightning)\b/],
  ['snow', /\b(snow|snowing|snowy|snowfall|blizzard|snowflakes?)\b/],
  ['rain', /\b(rain|raining|rainy|drizzle|downpour)\b/],
  ['fog', /\b(fog|foggy|mist|misty|haze|hazy)\b/],
  ['wind', /\b(wind|windy|breeze|gust|gale)\b/],
];

const SUBJECTS: Record<string, RegExp> = {
  paper_airplane: /\bpaper (air)?planes?\b/,
  airplane: /\b(air)?planes?\b|\bjets?\b|\baircraft\b/,
  birds: /\bbirds?\b|\bflock\b|\bgulls?\b|\bseagulls?\b/,
  balloon: /\b(hot[- ]air )?balloons?\b/,
  car: /\bcars?\b|\btaxis?\b/,
  train: /\btrains?\b/,
  boat: /\bboats?\b|\bships?\b/,
  sailboat: /\bsail ?boats?\b|\byachts?\b/,
  fish: /\bfish(es)?\b/,
  whale: /\bwhales?\b/,
  butterfly: /\bbutterfl(y|ies)\b/,
  kite: /\bkites?\b/,
  rocket: /\brockets?\b/,
  satellite: /\bsatellites?\b/,
  moon: /\bmoon\b/,
  sun: /\bsun\b/,
  clouds: /\bclouds?\b|\bcloudy\b/,
  lighthouse: /\blighthouses?\b/,
  tree: /\btrees?\b/,
  house: /\bhouses?\b|\bcabins?\b|\bcottages?\b/,
  person: /\b(person|people|man|woman|walker|walking|child|hiker)\b/,
  dog: /\bdogs?\b|\bpupp(y|ies)\b/,
  cat: /\bcats?\b|\bkittens?\b/,
  horse: /\bhorses?\b/,
  bicycle: /\bbicycles?\b|\bbikes?\b|\bcyclists?\b/,
  drone: /\bdrones?\b/,
  fireworks: /\bfireworks?\b/,
  leaves: /\bleaves\b|\bautumn\b|\bfall foliage\b/,
  stars: /\bstars\b/,
  planet: /\bplanets?\b|\bsaturn\b|\bjupiter\b|\bmars\b/,
};

const COLORS: Record<string, string> = {
  red: '#e53935', orange: '#fb8c00', yellow: '#fdd835', green: '#43a047', blue: '#1e88e5', purple: '#8e24aa',
  violet: '#7e57c2', pink: '#ec407a', white: '#f5f5f5', black: '#212121', gray: '#9e9e9e', grey: '#9e9e9e',
  brown: '#6d4c41', gold: '#ffc107', golden: '#ffc107', silver: '#cfd8dc', teal: '#00897b', cyan: '#00bcd4',
  magenta: '#d81b60', turquoise: '#26c6da', crimson: '#c62828',
};

const NUMBERS: Record<string, number> = {
  a: 1, an: 1, one: 1, two: 2, three: 3, four: 4, five: 5, six: 6, seven: 7, eight: 8, nine: 9, ten: 10,
  several: 4, many: 8, few: 3, couple: 2, dozen: 12,
};

/** FNV-1a: a stable 32-bit hash of a string. */
export function hash32(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

function countBefore(text: string, index: number): { count: number; color: string | null } {
  const words = text.slice(Math.max(0, index - 40), index).trim().split(/\s+/).slice(-3);
  let count = 1;
  let color: string | null = null;
  for (const w of words) {
    if (NUMBERS[w] !== undefined) count = NUMBERS[w];
    else if (/^\d+$/.test(w)) count = Math.min(20, Number(w));
    if (COLORS[w]) color = COLORS[w];
  }
  return { count, color };
}

export function parseScene(prompt: string): Scene {
  const text = prompt.toLowerCase();
  const pick = <T>(table: [T, RegExp][], fallback: T): T => table.find(([, re]) => re.test(text))?.[0] ?? fallback;

  const subjects: Subject[] = [];
  for (const [kind, re] of Object.entries(SUBJECTS)) {
    const m = re.exec(text);
    if (!m) continue;
    if (kind === 'airplane' && subjects.some((s) => s.kind === 'paper_airplane')) continue;
    if (kind === 'boat' && subjects.some((s) => s.kind === 'sailboat')) continue;
    const { count, color } = countBefore(text, m.index);
    subjects.push({ kind, count: Math.max(1, Math.min(count, 20)), color });
  }

  let camera: Camera = 'static';
  if (/\bpan(s|ning)? left\b/.test(text)) camera = 'pan_left';
  else if (/\bpan(s|ning)?( right)?\b|\btracking\b|\bdolly\b/.test(text)) camera = 'pan_right';
  else if (/\bzoom(s|ing)? out\b|\bpull(s|ing)? back\b/.test(text)) camera = 'zoom_out';
  else if (/\bzoom(s|ing)?( in)?\b|\bpush(es|ing)? in\b/.test(text)) camera = 'zoom_in';
  else if (/\borbit(s|ing)?\b|\baround\b/.test(text)) camera = 'orbit';

  let speed = 1;
  if (/\bslow[- ]?motion\b|\bslowly\b/.test(text)) speed = 0.4;
  if (/\btime[- ]?lapse\b|\bfast\b|\bquickly\b/.test(text)) speed = 3;

  let style: Style = 'none';
  if (/\bneon\b|\bcyberpunk\b/.test(text)) style = 'neon';
  else if (/\bpastel\b/.test(text)) style = 'pastel';
  else if (/\bnoir\b|\bblack and white\b|\bmonochrome\b/.test(text)) style = 'noir';
  else if (/\bwatercolou?r\b/.test(text)) style = 'watercolor';
  else if (/\bvintage\b|\bfilm grain\b|\bretro\b|\bold film\b/.test(text)) style = 'vintage';
  else if (/\bcinematic\b|\bepic\b/.test(text)) style = 'cinematic';

  const colors = Object.keys(COLORS).filter((c) => new RegExp(`\\b${c}\\b`).test(text)).map((c) => COLORS[c]);
  const setting = pick(SETTINGS, 'abstract' as Setting);
  return {
    setting,
    time: pick(TIMES, setting === 'space' ? 'night' : 'day'),
    weather: pick(WEATHERS, 'clear' as Weather),
    subjects,
    camera,
    speed,
    style,
    hue: hash32(text.replace(/[^a-z ]/g, '')) % 360,
    colors,
  };
}
