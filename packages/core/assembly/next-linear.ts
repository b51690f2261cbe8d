/**
 * The next-linear plan's chain in one WebAssembly SIMD kernel (AssemblyScript; built by `npm run build`):
 *
 *     Conv2D L (stride 1) → [folded BatchNorm] → ReLU → [MaxPool] → Flatten → output Dense (the logits)
 *
 * For filter f of the layer before L, per image and per pooling cell: c = conv(x_f, W[:, :, f, :]) at the
 * cell's window positions, then p = mask · relu(max over the window of z − c), and only the change against
 * the base network, p − p0, goes through the Dense onto the base logits. A 3 × 3 convolution under 2 × 2
 * pooling with stride 2 — the usual CNN block — takes Winograd's F(2×2, 3×3) (filterLogitsWinograd: 16
 * products per channel and window instead of 36); any other shape the direct path (filterLogits: 32 channels
 * at a time in 8 f32x4 registers, skipping zero inputs, x_f being ReLU'd). A cell whose inputs are all zero
 * keeps p = p0 exactly and is skipped whole: on MNIST's conv1 that is a third of the cells of most filters
 * (the digits' background).
 *
 * The caller (src/fastcar/next-linear-kernel.ts) owns the memory and lays out every buffer; this module
 * allocates nothing. x_f's planes are padded with zeros so that no read needs a bounds check (the caller
 * passes the padded plane with padding 0). Channels are padded to blocks of 32, with zero weights and a zero
 * mask in the padding.
 * The Dense rows are stored per cell, block and class as 32 weights, so a block's change meets each class's
 * weights in 8 vector products with no dependence between classes.
 */

/** Input x_f: H × W, the plane as stored (padded with zeros; see the caller). */
let H: i32 = 0;
let W: i32 = 0;
/** Kernel KH × KW, padding above and left of the input. */
let KH: i32 = 0;
let KW: i32 = 0;
let PT: i32 = 0;
let PL: i32 = 0;
/** Conv output OH × OW × (CV·4 channels). */
let OH: i32 = 0;
let OW: i32 = 0;
let CV: i32 = 0;
/** Pooling window, strides, and the pooled grid QH × QW. */
let PH: i32 = 0;
let PW: i32 = 0;
let SH: i32 = 0;
let SW: i32 = 0;
let QH: i32 = 0;
let QW: i32 = 0;
/** Classes. */
let K: i32 = 0;

export function configure(
  h: i32,
  w: i32,
  kh: i32,
  kw: i32,
  pt: i32,
  pl: i32,
  oh: i32,
  ow: i32,
  cv: i32,
  ph: i32,
  pw: i32,
  sh: i32,
  sw: i32,
  qh: i32,
  qw: i32,
  k: i32,
): void {
  H = h;
  W = w;
  KH = kh;
  KW = kw;
  PT = pt;
  PL = pl;
  OH = oh;
  OW = ow;
  CV = cv;
  PH = ph;
  PW = pw;
  SH = sh;
  SW = sw;
  QH = qh;
  QW = qw;
  K = k;
}

/** The 8 accumulators of one block of 32 channels, set by `convolve`. */
let a0: v128 = f32x4.splat(0);
let a1: v128 = f32x4.splat(0);
let a2: v128 = f32x4.splat(0);
let a3: v128 = f32x4.splat(0);
let a4: v128 = f32x4.splat(0);
let a5: v128 = f32x4.splat(0);
let a6: v128 = f32x4.splat(0);
let a7: v128 = f32x4.splat(0);

/**
 * c at output position (oy, ox) for the 32 channels of block b, into a0…a7: Σ over the taps that fall inside
 * the input of x · w, skipping zero inputs (x: H × W; w: KH × KW × CV vectors).
 */
function convolve(x: usize, w: usize, oy: i32, ox: i32, b: i32): void {
  let s0 = f32x4.splat(0);
  let s1 = s0;
  let s2 = s0;
  let s3 = s0;
  let s4 = s0;
  let s5 = s0;
  let s6 = s0;
  let s7 = s0;
  const ky0 = max(0, PT - oy);
  const ky1 = min(KH, H - oy + PT);
  const kx0 = max(0, PL - ox);
  const kx1 = min(KW, W - ox + PL);
  const tapBytes = (<usize>CV) << 4;
  for (let ky = ky0; ky < ky1; ky++) {
    const row = x + ((<usize>((oy + ky - PT) * W + ox - PL)) << 2);
    let tap = w + <usize>(ky * KW + kx0) * tapBytes + ((<usize>b) << 7);
    for (let kx = kx0; kx < kx1; kx++, tap += tapBytes) {
      const value = load<f32>(row + ((<usize>kx) << 2));
      if (value == 0) continue;
      const v = f32x4.splat(value);
      s0 = f32x4.add(s0, f32x4.mul(v, v128.load(tap, 0)));
      s1 = f32x4.add(s1, f32x4.mul(v, v128.load(tap, 16)));
      s2 = f32x4.add(s2, f32x4.mul(v, v128.load(tap, 32)));
      s3 = f32x4.add(s3, f32x4.mul(v, v128.load(tap, 48)));
      s4 = f32x4.add(s4, f32x4.mul(v, v128.load(tap, 64)));
      s5 = f32x4.add(s5, f32x4.mul(v, v128.load(tap, 80)));
      s6 = f32x4.add(s6, f32x4.mul(v, v128.load(tap, 96)));
      s7 = f32x4.add(s7, f32x4.mul(v, v128.load(tap, 112)));
    }
  }
  a0 = s0;
  a1 = s1;
  a2 = s2;
  a3 = s3;
  a4 = s4;
  a5 = s5;
  a6 = s6;
  a7 = s7;
}

/** z −= c over one image: the filter joins the base network's removal (z: OH × OW × CV vectors). */
function subtract(x: usize, w: usize, z: usize): void {
  for (let oy = 0; oy < OH; oy++) {
    for (let ox = 0; ox < OW; ox++) {
      for (let b = 0; b < CV >> 3; b++) {
        convolve(x, w, oy, ox, b);
        v128.store(z, f32x4.sub(v128.load(z, 0), a0), 0);
        v128.store(z, f32x4.sub(v128.load(z, 16), a1), 16);
        v128.store(z, f32x4.sub(v128.load(z, 32), a2), 32);
        v128.store(z, f32x4.sub(v128.load(z, 48), a3), 48);
        v128.store(z, f32x4.sub(v128.load(z, 64), a4), 64);
        v128.store(z, f32x4.sub(v128.load(z, 80), a5), 80);
        v128.store(z, f32x4.sub(v128.load(z, 96), a6), 96);
        v128.store(z, f32x4.sub(v128.load(z, 112), a7), 112);
        z += 128;
      }
    }
  }
}

/**
 * Whether any input that reaches the window of cell (qy, qx) is non-zero (x: H × W). A zero -0 counts as
 * zero; the bits are or-ed so that no branch depends on the data.
 */
function touches(x: usize, qy: i32, qx: i32): bool {
  const y0 = max(0, qy * SH - PT);
  const y1 = min(H, qy * SH + PH + KH - 1 - PT);
  const x0 = max(0, qx * SW - PL);
  const x1 = min(W, qx * SW + PW + KW - 1 - PL);
  let bits: u32 = 0;
  for (let iy = y0; iy < y1; iy++) {
    const row = x + ((<usize>(iy * W)) << 2);
    for (let ix = x0; ix < x1; ix++) bits |= load<u32>(row + ((<usize>ix) << 2));
  }
  return (bits & 0x7fffffff) != 0;
}

/** acc[k] += Σ_i d_i · dense[k][i] for every class k (dense: K × 8 vectors); returns the next rows. */
function project(
  d0: v128,
  d1: v128,
  d2: v128,
  d3: v128,
  d4: v128,
  d5: v128,
  d6: v128,
  d7: v128,
  dense: usize,
  acc: usize,
): usize {
  const end = acc + ((<usize>K) << 4);
  while (acc < end) {
    const t0 = f32x4.add(f32x4.mul(d0, v128.load(dense, 0)), f32x4.mul(d1, v128.load(dense, 16)));
    const t1 = f32x4.add(f32x4.mul(d2, v128.load(dense, 32)), f32x4.mul(d3, v128.load(dense, 48)));
    const t2 = f32x4.add(f32x4.mul(d4, v128.load(dense, 64)), f32x4.mul(d5, v128.load(dense, 80)));
    const t3 = f32x4.add(f32x4.mul(d6, v128.load(dense, 96)), f32x4.mul(d7, v128.load(dense, 112)));
    v128.store(acc, f32x4.add(v128.load(acc), f32x4.add(f32x4.add(t0, t1), f32x4.add(t2, t3))));
    dense += 128;
    acc += 16;
  }
  return dense;
}

/** out[k] = from[k] + the sum of acc[k]'s lanes, for every class. */
function finish(acc: usize, from: usize, out: usize): void {
  for (let k = 0; k < K; k++) {
    const v = v128.load(acc + ((<usize>k) << 4));
    const sum =
      f32x4.extract_lane(v, 0) +
      f32x4.extract_lane(v, 1) +
      (f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3));
    store<f32>(out + ((<usize>k) << 2), load<f32>(from + ((<usize>k) << 2)) + sum);
  }
}

/**
 * The logits of one image without the filter whose channel is `x` and kernel slice `w`: the base logits plus
 * (p − p0) · dense over the cells, written to `out` as K floats. `acc` holds K vectors.
 */
function filterLogits(
  x: usize,
  w: usize,
  z: usize,
  mask: usize,
  dense: usize,
  p0: usize,
  baseLogits: usize,
  acc: usize,
  out: usize,
): void {
  const tapBytes = (<usize>CV) << 4;
  const blocks = CV >> 3;
  const cellRows = (<usize>(blocks * K)) << 7;
  memory.fill(acc, 0, (<usize>K) << 4);
  let old = p0;
  let row = dense;
  const low = f32x4.splat(-Infinity);
  const zero = f32x4.splat(0);
  for (let qy = 0; qy < QH; qy++) {
    for (let qx = 0; qx < QW; qx++) {
      if (!touches(x, qy, qx)) {
        old += tapBytes;
        row += cellRows;
        continue;
      }
      for (let b = 0; b < blocks; b++) {
        let m0 = low;
        let m1 = low;
        let m2 = low;
        let m3 = low;
        let m4 = low;
        let m5 = low;
        let m6 = low;
        let m7 = low;
        for (let py = 0; py < PH; py++) {
          const oy = qy * SH + py;
          for (let px = 0; px < PW; px++) {
            const ox = qx * SW + px;
            convolve(x, w, oy, ox, b);
            const at = z + <usize>(oy * OW + ox) * tapBytes + ((<usize>b) << 7);
            m0 = f32x4.max(m0, f32x4.sub(v128.load(at, 0), a0));
            m1 = f32x4.max(m1, f32x4.sub(v128.load(at, 16), a1));
            m2 = f32x4.max(m2, f32x4.sub(v128.load(at, 32), a2));
            m3 = f32x4.max(m3, f32x4.sub(v128.load(at, 48), a3));
            m4 = f32x4.max(m4, f32x4.sub(v128.load(at, 64), a4));
            m5 = f32x4.max(m5, f32x4.sub(v128.load(at, 80), a5));
            m6 = f32x4.max(m6, f32x4.sub(v128.load(at, 96), a6));
            m7 = f32x4.max(m7, f32x4.sub(v128.load(at, 112), a7));
          }
        }
        const k = mask + ((<usize>b) << 7);
        const d0 = f32x4.sub(f32x4.mul(f32x4.max(m0, zero), v128.load(k, 0)), v128.load(old, 0));
        const d1 = f32x4.sub(f32x4.mul(f32x4.max(m1, zero), v128.load(k, 16)), v128.load(old, 16));
        const d2 = f32x4.sub(f32x4.mul(f32x4.max(m2, zero), v128.load(k, 32)), v128.load(old, 32));
        const d3 = f32x4.sub(f32x4.mul(f32x4.max(m3, zero), v128.load(k, 48)), v128.load(old, 48));
        const d4 = f32x4.sub(f32x4.mul(f32x4.max(m4, zero), v128.load(k, 64)), v128.load(old, 64));
        const d5 = f32x4.sub(f32x4.mul(f32x4.max(m5, zero), v128.load(k, 80)), v128.load(old, 80));
        const d6 = f32x4.sub(f32x4.mul(f32x4.max(m6, zero), v128.load(k, 96)), v128.load(old, 96));
        const d7 = f32x4.sub(f32x4.mul(f32x4.max(m7, zero), v128.load(k, 112)), v128.load(old, 112));
        const any = v128.or(
          v128.or(v128.or(d0, d1), v128.or(d2, d3)),
          v128.or(v128.or(d4, d5), v128.or(d6, d7)),
        );
        if (v128.any_true(f32x4.ne(any, zero))) row = project(d0, d1, d2, d3, d4, d5, d6, d7, row, acc);
        else row += (<usize>K) << 7;
        old += 128;
      }
    }
  }
  finish(acc, baseLogits, out);
}

/** One row of V = t B for the row t of Bᵀ d: (t0 − t2, t1 + t2, t2 − t1, t1 − t3). */
function transformRow(t: v128): v128 {
  const a = v128.shuffle<f32>(t, t, 0, 1, 2, 1);
  const b = v128.shuffle<f32>(t, t, 2, 2, 1, 3);
  return f32x4.add(a, f32x4.mul(b, f32x4(-1, 1, -1, -1)));
}

/** The 4 lanes of one row of V, each splatted to a vector at `at`. */
function splatRow(v: v128, at: usize): void {
  v128.store(at, v128.shuffle<f32>(v, v, 0, 0, 0, 0), 0);
  v128.store(at, v128.shuffle<f32>(v, v, 1, 1, 1, 1), 16);
  v128.store(at, v128.shuffle<f32>(v, v, 2, 2, 2, 2), 32);
  v128.store(at, v128.shuffle<f32>(v, v, 3, 3, 3, 3), 48);
}

/**
 * Winograd's input transform of the 4 × 4 tile whose corner is x's (iy, ix): V = Bᵀ d B (Bᵀ = [1 0 −1 0;
 * 0 1 1 0; 0 −1 1 0; 0 1 0 −1]), each value splatted to a vector at `scratch` (16 vectors). The planes are
 * padded with zeros, so every tile is inside one. False when the tile is all zero (then c = 0 on the window
 * and nothing is written); -0 counts as zero.
 */
function tileTransform(x: usize, iy: i32, ix: i32, scratch: usize): bool {
  const rowBytes = (<usize>W) << 2;
  const at = x + ((<usize>(iy * W + ix)) << 2);
  const d0 = v128.load(at);
  const d1 = v128.load(at + rowBytes);
  const d2 = v128.load(at + 2 * rowBytes);
  const d3 = v128.load(at + 3 * rowBytes);
  const bits = v128.and(v128.or(v128.or(d0, d1), v128.or(d2, d3)), i32x4.splat(0x7fffffff));
  if (!v128.any_true(bits)) return false;
  splatRow(transformRow(f32x4.sub(d0, d2)), scratch);
  splatRow(transformRow(f32x4.add(d1, d2)), scratch + 64);
  splatRow(transformRow(f32x4.sub(d2, d1)), scratch + 128);
  splatRow(transformRow(f32x4.sub(d1, d3)), scratch + 192);
  return true;
}

/** mask · relu(max over the 2 × 2 window of z − y) − p0 for one channel vector (z at the window's corner). */
function poolChange(
  z: usize,
  tapBytes: usize,
  rowBytes: usize,
  y00: v128,
  y01: v128,
  y10: v128,
  y11: v128,
  mask: usize,
  old: usize,
): v128 {
  const top = f32x4.max(f32x4.sub(v128.load(z), y00), f32x4.sub(v128.load(z + tapBytes), y01));
  const bottom = f32x4.max(
    f32x4.sub(v128.load(z + rowBytes), y10),
    f32x4.sub(v128.load(z + rowBytes + tapBytes), y11),
  );
  const p = f32x4.mul(f32x4.max(f32x4.max(top, bottom), f32x4.splat(0)), v128.load(mask));
  return f32x4.sub(p, v128.load(old));
}

/**
 * filterLogits for the most common case, a 3 × 3 kernel and 2 × 2 pooling with stride 2, by Winograd's
 * F(2×2, 3×3): the pooling window's 4 outputs come from the 4 × 4 input tile d as Aᵀ[(G g Gᵀ) ⊙ (Bᵀ d B)]A,
 * 16 products per channel instead of 36. G g Gᵀ is the caller's (`u`: per filter, CV × 16 vectors); Bᵀ d B is
 * the same for every channel, so it is formed once per cell. `scratch` holds 16 + CV vectors.
 */
function filterLogitsWinograd(
  x: usize,
  u: usize,
  z: usize,
  mask: usize,
  dense: usize,
  p0: usize,
  baseLogits: usize,
  acc: usize,
  scratch: usize,
  out: usize,
): void {
  const tapBytes = (<usize>CV) << 4;
  const rowBytes = <usize>OW * tapBytes;
  const blocks = CV >> 3;
  const cellRows = (<usize>(blocks * K)) << 7;
  const changes = scratch + 256;
  const zero = f32x4.splat(0);
  memory.fill(acc, 0, (<usize>K) << 4);
  let old = p0;
  let row = dense;
  for (let qy = 0; qy < QH; qy++) {
    for (let qx = 0; qx < QW; qx++) {
      if (!tileTransform(x, 2 * qy - PT, 2 * qx - PL, scratch)) {
        // c = 0 on the whole window: p = p0 exactly.
        old += tapBytes;
        row += cellRows;
        continue;
      }
      const z0 = z + <usize>(2 * qy * OW + 2 * qx) * tapBytes;
      let uv = u;
      let any = zero;
      // Two channel vectors per turn share the loads of V; Y is summed column by column (Aᵀ M A).
      for (let v: usize = 0; v < tapBytes; v += 32, uv += 512) {
        let s0 = v128.load(scratch, 0);
        let s1 = v128.load(scratch, 64);
        let s2 = v128.load(scratch, 128);
        let s3 = v128.load(scratch, 192);
        // Column 0: a0 → y00, b0 → y10.
        let m0 = f32x4.mul(v128.load(uv, 0), s0);
        let m1 = f32x4.mul(v128.load(uv, 64), s1);
        let m2 = f32x4.mul(v128.load(uv, 128), s2);
        let m3 = f32x4.mul(v128.load(uv, 192), s3);
        let y00 = f32x4.add(f32x4.add(m0, m1), m2);
        let y10 = f32x4.sub(f32x4.sub(m1, m2), m3);
        m0 = f32x4.mul(v128.load(uv, 256), s0);
        m1 = f32x4.mul(v128.load(uv, 320), s1);
        m2 = f32x4.mul(v128.load(uv, 384), s2);
        m3 = f32x4.mul(v128.load(uv, 448), s3);
        let w00 = f32x4.add(f32x4.add(m0, m1), m2);
        let w10 = f32x4.sub(f32x4.sub(m1, m2), m3);
        // Column 1: a1 → y00 and y01, b1 → y10 and y11.
        s0 = v128.load(scratch, 16);
        s1 = v128.load(scratch, 80);
        s2 = v128.load(scratch, 144);
        s3 = v128.load(scratch, 208);
        m0 = f32x4.mul(v128.load(uv, 16), s0);
        m1 = f32x4.mul(v128.load(uv, 80), s1);
        m2 = f32x4.mul(v128.load(uv, 144), s2);
        m3 = f32x4.mul(v128.load(uv, 208), s3);
        let a = f32x4.add(f32x4.add(m0, m1), m2);
        let b = f32x4.sub(f32x4.sub(m1, m2), m3);
        y00 = f32x4.add(y00, a);
        let y01 = a;
        y10 = f32x4.add(y10, b);
        let y11 = b;
        m0 = f32x4.mul(v128.load(uv, 272), s0);
        m1 = f32x4.mul(v128.load(uv, 336), s1);
        m2 = f32x4.mul(v128.load(uv, 400), s2);
        m3 = f32x4.mul(v128.load(uv, 464), s3);
        a = f32x4.add(f32x4.add(m0, m1), m2);
        b = f32x4.sub(f32x4.sub(m1, m2), m3);
        w00 = f32x4.add(w00, a);
        let w01 = a;
        w10 = f32x4.add(w10, b);
        let w11 = b;
        // Column 2: +a2 → y00, −a2 → y01 (and b likewise).
        s0 = v128.load(scratch, 32);
        s1 = v128.load(scratch, 96);
        s2 = v128.load(scratch, 160);
        s3 = v128.load(scratch, 224);
        m0 = f32x4.mul(v128.load(uv, 32), s0);
        m1 = f32x4.mul(v128.load(uv, 96), s1);
        m2 = f32x4.mul(v128.load(uv, 160), s2);
        m3 = f32x4.mul(v128.load(uv, 224), s3);
        a = f32x4.add(f32x4.add(m0, m1), m2);
        b = f32x4.sub(f32x4.sub(m1, m2), m3);
        y00 = f32x4.add(y00, a);
        y01 = f32x4.sub(y01, a);
        y10 = f32x4.add(y10, b);
        y11 = f32x4.sub(y11, b);
        m0 = f32x4.mul(v128.load(uv, 288), s0);
        m1 = f32x4.mul(v128.load(uv, 352), s1);
        m2 = f32x4.mul(v128.load(uv, 416), s2);
        m3 = f32x4.mul(v128.load(uv, 480), s3);
        a = f32x4.add(f32x4.add(m0, m1), m2);
        b = f32x4.sub(f32x4.sub(m1, m2), m3);
        w00 = f32x4.add(w00, a);
        w01 = f32x4.sub(w01, a);
        w10 = f32x4.add(w10, b);
        w11 = f32x4.sub(w11, b);
        // Column 3: −a3 → y01.
        s0 = v128.load(scratch, 48);
        s1 = v128.load(scratch, 112);
        s2 = v128.load(scratch, 176);
        s3 = v128.load(scratch, 240);
        m0 = f32x4.mul(v128.load(uv, 48), s0);
        m1 = f32x4.mul(v128.load(uv, 112), s1);
        m2 = f32x4.mul(v128.load(uv, 176), s2);
        m3 = f32x4.mul(v128.load(uv, 240), s3);
        y01 = f32x4.sub(y01, f32x4.add(f32x4.add(m0, m1), m2));
        y11 = f32x4.sub(y11, f32x4.sub(f32x4.sub(m1, m2), m3));
        m0 = f32x4.mul(v128.load(uv, 304), s0);
        m1 = f32x4.mul(v128.load(uv, 368), s1);
        m2 = f32x4.mul(v128.load(uv, 432), s2);
        m3 = f32x4.mul(v128.load(uv, 496), s3);
        w01 = f32x4.sub(w01, f32x4.add(f32x4.add(m0, m1), m2));
        w11 = f32x4.sub(w11, f32x4.sub(f32x4.sub(m1, m2), m3));
        const d0 = poolChange(z0 + v, tapBytes, rowBytes, y00, y01, y10, y11, mask + v, old + v);
        const d1 = poolChange(
          z0 + v + 16,
          tapBytes,
          rowBytes,
          w00,
          w01,
          w10,
          w11,
          mask + v + 16,
          old + v + 16,
        );
        v128.store(changes + v, d0);
        v128.store(changes + v, d1, 16);
        any = v128.or(any, v128.or(d0, d1));
      }
      old += tapBytes;
      if (!v128.any_true(f32x4.ne(any, zero))) {
        row += cellRows;
        continue;
      }
      for (let b: usize = 0; b < <usize>blocks; b++) {
        const at = changes + (b << 7);
        row = project(
          v128.load(at, 0),
          v128.load(at, 16),
          v128.load(at, 32),
          v128.load(at, 48),
          v128.load(at, 64),
          v128.load(at, 80),
          v128.load(at, 96),
          v128.load(at, 112),
          row,
          acc,
        );
      }
    }
  }
  finish(acc, baseLogits, out);
}

/** mask · relu(max over the window of z) for vector v of cell (qy, qx). */
function pooled(z: usize, qy: i32, qx: i32, v: i32, mask: usize): v128 {
  let m = f32x4.splat(-Infinity);
  const tapBytes = (<usize>CV) << 4;
  for (let py = 0; py < PH; py++) {
    const oy = qy * SH + py;
    for (let px = 0; px < PW; px++) {
      m = f32x4.max(m, v128.load(z + <usize>(oy * OW + qx * SW + px) * tapBytes + ((<usize>v) << 4)));
    }
  }
  return f32x4.mul(f32x4.max(m, f32x4.splat(0)), v128.load(mask + ((<usize>v) << 4)));
}

/**
 * The base network for one image: p0 (QH × QW × CV vectors) from z, and its logits (K floats) = bias +
 * p0 · dense, to `logits` and `out`. `acc` holds K vectors.
 */
function base(
  z: usize,
  mask: usize,
  dense: usize,
  bias: usize,
  p0: usize,
  acc: usize,
  logits: usize,
  out: usize,
): void {
  memory.fill(acc, 0, (<usize>K) << 4);
  let cell = p0;
  let row = dense;
  for (let qy = 0; qy < QH; qy++) {
    for (let qx = 0; qx < QW; qx++) {
      for (let v = 0; v < CV; v += 8) {
        const q0 = pooled(z, qy, qx, v, mask);
        const q1 = pooled(z, qy, qx, v + 1, mask);
        const q2 = pooled(z, qy, qx, v + 2, mask);
        const q3 = pooled(z, qy, qx, v + 3, mask);
        const q4 = pooled(z, qy, qx, v + 4, mask);
        const q5 = pooled(z, qy, qx, v + 5, mask);
        const q6 = pooled(z, qy, qx, v + 6, mask);
        const q7 = pooled(z, qy, qx, v + 7, mask);
        v128.store(cell, q0, 0);
        v128.store(cell, q1, 16);
        v128.store(cell, q2, 32);
        v128.store(cell, q3, 48);
        v128.store(cell, q4, 64);
        v128.store(cell, q5, 80);
        v128.store(cell, q6, 96);
        v128.store(cell, q7, 112);
        cell += 128;
        row = project(q0, q1, q2, q3, q4, q5, q6, q7, row, acc);
      }
    }
  }
  finish(acc, bias, logits);
  memory.copy(out, logits, (<usize>K) << 2);
}

/** Bytes per image of x_f, z, p0 and the logits (K floats). */
function xBytes(): usize {
  return (<usize>(H * W)) << 2;
}
function zBytes(): usize {
  return (<usize>(OH * OW * CV)) << 4;
}
function p0Bytes(): usize {
  return (<usize>(QH * QW * CV)) << 4;
}
function logitBytes(): usize {
  return (<usize>K) << 2;
}

/** The base network over `images` images: p0 and the logits per image, also written to `out`. */
export function baseImages(
  images: i32,
  z: usize,
  mask: usize,
  dense: usize,
  bias: usize,
  p0: usize,
  acc: usize,
  logits: usize,
  out: usize,
): void {
  for (let n = 0; n < images; n++) {
    base(z, mask, dense, bias, p0, acc, logits, out);
    z += zBytes();
    p0 += p0Bytes();
    logits += logitBytes();
    out += logitBytes();
  }
}

/**
 * The K logits per image without the filter whose channel is `x` and kernel slice `w` (or, with `winograd`,
 * its transformed slice; see filterLogitsWinograd).
 */
export function filterImages(
  images: i32,
  winograd: bool,
  x: usize,
  w: usize,
  z: usize,
  mask: usize,
  dense: usize,
  p0: usize,
  logits: usize,
  acc: usize,
  scratch: usize,
  out: usize,
): void {
  for (let n = 0; n < images; n++) {
    if (winograd) filterLogitsWinograd(x, w, z, mask, dense, p0, logits, acc, scratch, out);
    else filterLogits(x, w, z, mask, dense, p0, logits, acc, out);
    x += xBytes();
    z += zBytes();
    p0 += p0Bytes();
    logits += logitBytes();
    out += logitBytes();
  }
}

/**
 * z −= c over one image by Winograd's F(2×2, 3×3), on the pooling windows only (the kernel reads z nowhere
 * else): the Winograd path's counterpart of `subtract`. `scratch` holds 16 vectors.
 */
function subtractWinograd(x: usize, u: usize, z: usize, scratch: usize): void {
  const tapBytes = (<usize>CV) << 4;
  const rowBytes = <usize>OW * tapBytes;
  for (let qy = 0; qy < QH; qy++) {
    for (let qx = 0; qx < QW; qx++) {
      if (!tileTransform(x, 2 * qy - PT, 2 * qx - PL, scratch)) continue;
      let at = z + <usize>(2 * qy * OW + 2 * qx) * tapBytes;
      let uv = u;
      for (let v: usize = 0; v < tapBytes; v += 16, uv += 256, at += 16) {
        const m00 = f32x4.mul(v128.load(uv, 0), v128.load(scratch, 0));
        const m10 = f32x4.mul(v128.load(uv, 64), v128.load(scratch, 64));
        const m20 = f32x4.mul(v128.load(uv, 128), v128.load(scratch, 128));
        const m30 = f32x4.mul(v128.load(uv, 192), v128.load(scratch, 192));
        const m01 = f32x4.mul(v128.load(uv, 16), v128.load(scratch, 16));
        const m11 = f32x4.mul(v128.load(uv, 80), v128.load(scratch, 80));
        const m21 = f32x4.mul(v128.load(uv, 144), v128.load(scratch, 144));
        const m31 = f32x4.mul(v128.load(uv, 208), v128.load(scratch, 208));
        const m02 = f32x4.mul(v128.load(uv, 32), v128.load(scratch, 32));
        const m12 = f32x4.mul(v128.load(uv, 96), v128.load(scratch, 96));
        const m22 = f32x4.mul(v128.load(uv, 160), v128.load(scratch, 160));
        const m32 = f32x4.mul(v128.load(uv, 224), v128.load(scratch, 224));
        const m03 = f32x4.mul(v128.load(uv, 48), v128.load(scratch, 48));
        const m13 = f32x4.mul(v128.load(uv, 112), v128.load(scratch, 112));
        const m23 = f32x4.mul(v128.load(uv, 176), v128.load(scratch, 176));
        const m33 = f32x4.mul(v128.load(uv, 240), v128.load(scratch, 240));
        const a0 = f32x4.add(f32x4.add(m00, m10), m20);
        const a1 = f32x4.add(f32x4.add(m01, m11), m21);
        const a2 = f32x4.add(f32x4.add(m02, m12), m22);
        const a3 = f32x4.add(f32x4.add(m03, m13), m23);
        const b0 = f32x4.sub(f32x4.sub(m10, m20), m30);
        const b1 = f32x4.sub(f32x4.sub(m11, m21), m31);
        const b2 = f32x4.sub(f32x4.sub(m12, m22), m32);
        const b3 = f32x4.sub(f32x4.sub(m13, m23), m33);
        v128.store(at, f32x4.sub(v128.load(at), f32x4.add(f32x4.add(a0, a1), a2)));
        v128.store(at + tapBytes, f32x4.sub(v128.load(at + tapBytes), f32x4.sub(f32x4.sub(a1, a2), a3)));
        v128.store(at + rowBytes, f32x4.sub(v128.load(at + rowBytes), f32x4.add(f32x4.add(b0, b1), b2)));
        const last = at + rowBytes + tapBytes;
        v128.store(last, f32x4.sub(v128.load(last), f32x4.sub(f32x4.sub(b1, b2), b3)));
      }
    }
  }
}

/** z −= c_f per image: the filter joins the base network's removal (`winograd`: w is its Winograd kernel). */
export function removeImages(
  images: i32,
  winograd: bool,
  x: usize,
  w: usize,
  z: usize,
  scratch: usize,
): void {
  for (let n = 0; n < images; n++) {
    if (winograd) subtractWinograd(x, w, z, scratch);
    else subtract(x, w, z);
    x += xBytes();
    z += zBytes();
  }
}
