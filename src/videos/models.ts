// The model catalog: which public model IDs exist and what each accepts.
export interface ModelCapabilities {
  sizes: string[];
  default_size: string;
  seconds: string[];
  default_seconds: string;
  input_reference: boolean;
  remix: boolean;
  edit: boolean;
  extend: boolean;
  characters: boolean;
}

export interface ModelEntry {
  id: string;
  /** The canonical model this ID stands for (dated aliases point at their base). */
  base: string;
  engine: string;
  owned_by: string;
  created: number;
  pro: boolean;
  capabilities: ModelCapabilities;
}

export const SECONDS = ['4', '8', '12', '16', '20'] as const;
export const STANDARD_SIZES = ['1280x720', '720x1280'];
export const PRO_SIZES = ['1280x720', '720x1280', '1792x1024', '1024x1792', '1920x1080', '1080x1920'];
export const MAX_EXTENSIONS = 6;
export const MAX_TOTAL_SECONDS = 120;

const LOCAL_OWNER = 'reelay-local (procedural renderer, no model weights)';
const CREATED = 1759708800; // 2025-10-06, the day the sora-2 API first shipped

function local(id: string, base: string, pro: boolean): ModelEntry {
  return {
    id,
    base,
    engine: 'local',
    owned_by: LOCAL_OWNER,
    created: CREATED,
    pro,
    capabilities: {
      sizes: pro ? PRO_SIZES : STANDARD_SIZES,
      default_size: pro ? '1792x1024' : '1280x720',
      seconds: [...SECONDS],
      default_seconds: '4',
      input_reference: true,
      remix: true,
      edit: true,
      extend: true,
      characters: true,
    },
  };
}

export class ModelCatalog {
  private readonly byId = new Map<string, ModelEntry>();

  constructor(extra: ModelEntry[] = []) {
    for (const m of [
      local('sora-2', 'sora-2', false),
      local('sora-2-pro', 'sora-2-pro', true),
      local('sora-2-2025-10-06', 'sora-2', false),
      local('sora-2-2025-12-08', 'sora-2', false),
      local('sora-2-pro-2025-10-06', 'sora-2-pro', true),
      ...extra,
    ]) {
      this.byId.set(m.id, m);
    }
  }

  get(id: string): ModelEntry | undefined {
    return this.byId.get(id);
  }

  /** A model's capabilities when the named engine serves it, else null (Engine.describe). */
  capabilitiesFor(engine: string, model: string): ModelCapabilities | null {
    const m = this.byId.get(model);
    return m && m.engine === engine ? m.capabilities : null;
  }

  list(): ModelEntry[] {
    return [...this.byId.values()];
  }
}

/** The OpenAI model object, with the capabilities extension. */
export function modelObject(m: ModelEntry) {
  return { id: m.id, object: 'model', created: m.created, owned_by: m.owned_by, capabilities: m.capabilities };
}
