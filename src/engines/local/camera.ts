// The camera as a function of absolute time, so a clip and its extension move continuously.
// Each layer has a depth (0 far .. 1 near): nearer layers shift and scale more (parallax).
import type { Camera } from './scene.js';

export interface View {
  /** Horizontal shift in pixels at this depth (before zoom). */
  dx: number;
  /** Scale about the focus point. */
  z: number;
}

const ease = (t: number, tau: number) => 1 - Math.exp(-t / tau);

/** Cameras that place every depth alike (no parallax): layers that never move apart can be composed once. */
export const movesAllDepthsAlike = (camera: Camera) => camera === 'static' || camera === 'zoom_in' || camera === 'zoom_out';

export function cameraAt(camera: Camera, t: number, W: number, depth: number): View {
  const d = Math.max(0, Math.min(1, depth));
  switch (camera) {
    case 'pan_left':
    case 'pan_right': {
      const dir = camera === 'pan_left' ? 1 : -1;
      return { dx: dir * 0.035 * W * t * (0.1 + 0.9 * d), z: 1 };
    }
    // A zoom is the lens: everything scales alike, near or far (a dolly moves the camera itself,
    // so there near layers grow faster than far ones).
    case 'zoom_in':
      return { dx: 0, z: 1 + 0.24 * ease(t, 8) };
    case 'zoom_out':
      return { dx: 0, z: 1 + 0.24 * (1 - ease(t, 8)) };
    case 'dolly_in':
      return { dx: 0, z: 1 + 0.55 * ease(t, 8) * d * d };
    case 'dolly_out':
      return { dx: 0, z: 1 + 0.55 * (1 - ease(t, 8)) * d * d };
    case 'orbit':
      // Near layers swing one way while far ones go the other: the view circles a point in between.
      return { dx: Math.sin(t * 0.35) * 0.14 * W * (d - 0.3), z: 1 + 0.04 * d };
    default:
      return { dx: 0, z: 1 };
  }
}

/**
 * The move over a still image (reference image or a clip's last frame): frame 0 is the image
 * untouched; then background and foreground layers push in and drift at different rates.
 * Shifts stay within the zoom margin so no edge ever shows.
 */
export function imageCameraAt(camera: Camera, t: number, W: number, layer: 'back' | 'front'): View {
  const k = layer === 'front' ? 1 : 0.5;
  const r = ease(t, 6);
  const z = 1 + 0.14 * k * r * (camera === 'zoom_in' || camera === 'dolly_in' ? 1.5 : 1);
  const margin = ((z - 1) * W) / 2;
  let dx = 0;
  if (camera === 'pan_left') dx = margin * 0.8;
  else if (camera === 'pan_right') dx = -margin * 0.8;
  else if (camera === 'orbit') dx = Math.sin(t * 0.5) * margin * 0.8 * (layer === 'front' ? 1 : -1);
  return { dx, z };
}
