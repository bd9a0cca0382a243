// ComfyUI API-format graphs: checking a model's binding against its workflow (at start), writing a
// request into a copy of the graph (per job), and weighing the server's progress events into one
// percentage. Self-contained, so the config loader can use it.

/** A workflow in ComfyUI's API format: node id -> {class_type, inputs}. */
export type Graph = Record<string, { class_type: string; inputs: Record<string, unknown>; _meta?: unknown }>;

/** One place in the graph: a node's input. */
export interface Slot {
  node: string;
  input: string;
}

/** Where each part of the request goes. Every slot list may be empty except prompt and output. */
export interface Binding {
  prompt: Slot[];
  negativePrompt: Slot[];
  seed: Slot[];
  width: Slot[];
  height: Slot[];
  frames: Slot[];
  fps: Slot[];
  /** The image-loading node's input that names the uploaded reference image (LoadImage.image). */
  image: Slot[];
  /** The node whose outputs hold the video (SaveVideo, VHS_VideoCombine, SaveAnimatedWEBP, SaveImage). */
  output: string;
  /** Nodes whose progress events are the sampling steps (default: every *Sampler* node). */
  samplers: string[];
}

export const SLOT_KEYS = ['prompt', 'negativePrompt', 'seed', 'width', 'height', 'frames', 'fps', 'image'] as const;
export type SlotKey = (typeof SLOT_KEYS)[number];

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Checks that a parsed JSON value is an API-format graph; throws with what is wrong. */
export function asGraph(where: string, raw: unknown): Graph {
  if (!isObject(raw)) throw new Error(`${where}: a workflow must be a JSON object in ComfyUI's API format`);
  if (Array.isArray(raw.nodes) && 'links' in raw) {
    throw new Error(`${where}: this workflow is in ComfyUI's UI format; save it with "Export (API)" instead`);
  }
  const ids = Object.keys(raw);
  if (!ids.length) throw new Error(`${where}: the workflow has no nodes`);
  for (const id of ids) {
    const n = raw[id];
    if (!isObject(n) || typeof n.class_type !== 'string' || !isObject(n.inputs)) {
      throw new Error(`${where}: node '${id}' has no class_type and inputs (is this an API-format workflow?)`);
    }
  }
  return raw as Graph;
}

/** "6.text" or {node, input}, or an array of them. */
export function parseSlots(where: string, raw: unknown): Slot[] {
  if (raw === undefined || raw === null) return [];
  const list = Array.isArray(raw) ? raw : [raw];
  return list.map((s, i) => {
    const w = Array.isArray(raw) ? `${where}[${i}]` : where;
    if (typeof s === 'string') {
      const dot = s.lastIndexOf('.');
      if (dot <= 0 || dot === s.length - 1) throw new Error(`${w} must be "<node id>.<input name>", got '${s}'`);
      return { node: s.slice(0, dot), input: s.slice(dot + 1) };
    }
    if (isObject(s) && typeof s.node === 'string' && s.node && typeof s.input === 'string' && s.input) return { node: s.node, input: s.input };
    throw new Error(`${w} must be "<node id>.<input name>" or {"node": "...", "input": "..."}`);
  });
}

/**
 * Every bound node and input must exist in the workflow, and must be a value (not a link to another
 * node): anything else is reported at once, naming each node and input that is wrong.
 */
export function checkBinding(where: string, graph: Graph, b: Binding): void {
  const problems: string[] = [];
  for (const key of SLOT_KEYS) {
    for (const s of b[key]) {
      const n = graph[s.node];
      if (!n) problems.push(`${key}: node '${s.node}' is not in the workflow`);
      else if (!(s.input in n.inputs)) problems.push(`${key}: node '${s.node}' (${n.class_type}) has no input '${s.input}' (it has ${Object.keys(n.inputs).join(', ') || 'none'})`);
      else if (Array.isArray(n.inputs[s.input])) problems.push(`${key}: input '${s.input}' of node '${s.node}' (${n.class_type}) is a link to another node, not a value`);
    }
  }
  if (!b.output) problems.push('output: no output node is named');
  else if (!graph[b.output]) problems.push(`output: node '${b.output}' is not in the workflow`);
  for (const id of b.samplers) if (!graph[id]) problems.push(`samplers: node '${id}' is not in the workflow`);
  if (!b.prompt.length) problems.push('prompt: the prompt must be bound to a node input');
  if (problems.length) throw new Error(`${where}: the binding does not fit the workflow: ${problems.join('; ')}`);
}

export type BoundValues = Partial<Record<SlotKey, string | number>>;

/** A fresh copy of the graph with the request's values written into the bound inputs. */
export function applyBinding(graph: Graph, b: Binding, values: BoundValues): Graph {
  const out = structuredClone(graph);
  for (const key of SLOT_KEYS) {
    const v = values[key];
    if (v === undefined) continue;
    for (const s of b[key]) out[s.node].inputs[s.input] = v;
  }
  return out;
}

/** Nodes upstream of `id` (its inputs' links, transitively), `id` included. */
function ancestors(graph: Graph, id: string, seen = new Set<string>()): Set<string> {
  if (seen.has(id) || !graph[id]) return seen;
  seen.add(id);
  for (const v of Object.values(graph[id].inputs)) if (Array.isArray(v) && typeof v[0] === 'string') ancestors(graph, v[0], seen);
  return seen;
}

/** The sampler nodes: those named by the binding, else every node whose class is a sampler. */
export function samplerNodes(graph: Graph, b: Binding): string[] {
  if (b.samplers.length) return b.samplers;
  const needed = ancestors(graph, b.output);
  return Object.keys(graph).filter((id) => needed.has(id) && /Sampler(?!Select)/.test(graph[id].class_type));
}

/**
 * One percentage from ComfyUI's per-node events. Up to the first sampler step: 0-5; the sampling
 * steps: 5-80 (shared evenly by the sampler nodes, in the order they run); VAE decode: 80-92; the
 * rest (video assembly, saving): 92-97. It never goes back.
 */
export class ProgressModel {
  private pct = 0;
  private readonly samplers: string[];
  private readonly decoders: Set<string>;
  private readonly done = new Set<string>();
  private current: string | null = null;

  constructor(graph: Graph, b: Binding) {
    this.samplers = samplerNodes(graph, b);
    this.decoders = new Set(Object.keys(graph).filter((id) => /Decode/.test(graph[id].class_type)));
  }

  get value(): number {
    return Math.floor(this.pct);
  }

  private bump(p: number): number {
    this.pct = Math.max(this.pct, Math.min(97, p));
    return this.value;
  }

  started(): number {
    return this.bump(2);
  }

  executing(node: string | null): number {
    if (this.current) this.done.add(this.current);
    this.current = node;
    if (node === null) return this.bump(97);
    const i = this.samplers.indexOf(node);
    if (i >= 0) return this.bump(5 + (75 * i) / Math.max(1, this.samplers.length));
    if (this.decoders.has(node)) return this.bump(80);
    // Past every sampler and a decoder: assembling and saving the video.
    if (this.samplers.every((s) => this.done.has(s)) && [...this.decoders].some((d) => this.done.has(d))) return this.bump(92);
    return this.value;
  }

  step(node: string, value: number, max: number): number {
    if (!(max > 0)) return this.value;
    const f = Math.min(1, Math.max(0, value / max));
    const i = this.samplers.indexOf(node);
    const n = Math.max(1, this.samplers.length);
    if (i >= 0) return this.bump(5 + (75 * (i + f)) / n);
    if (this.decoders.has(node)) return this.bump(80 + 12 * f);
    // A sampler the binding did not name (or a custom node with steps): count it as sampling.
    if (!this.samplers.length) return this.bump(5 + 75 * f);
    return this.value;
  }
}
