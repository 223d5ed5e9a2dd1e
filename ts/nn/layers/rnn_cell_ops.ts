// The gate math of one LSTM step, shared by nn.LSTM and nn.LSTMCell.
import type { Tensor } from "../../tensor.js";

/**
 * gates = xg + hg ([B, 4H], torch's order i, f, g, o); c' = σ(f) c + σ(i) tanh(g),
 * h' = σ(o) tanh(c'). Returns [h', c']. Inside tidy.
 */
export function lstmCellStep(xg: Tensor, hg: Tensor, c: Tensor): [Tensor, Tensor] {
  const [i, f, g, o] = xg.add(hg).chunk(4, 1);
  const c2 = f.sigmoid().mul(c).add(i.sigmoid().mul(g.tanh()));
  return [o.sigmoid().mul(c2.tanh()), c2];
}
