"""The PlayGenie continuation model: a conditional VAE over playlists.

    u ~ q(u | playlist[<=n], history D, context)     encoder: pooled track vectors + tags + time of day
    s[t+1] ~ P(. | s[<=t], u)                         decoder: a GRU conditioned on u
    ELBO = sum_t log P(s[t+1] | s[<=t], u)  -  beta * KL(q(u|.) || N(0, I))

A track's vector combines a learned id embedding, a learned artist embedding, projected content
(text embedding + audio features) and graph-propagated content. The same vectors are the decoder's
inputs and its output layer (tied): a track's logit is a dot product with its vector, so a track
that no training playlist holds is still scored through its content. In training, ids and artists
are hidden for a random share of the tracks at each step (as in DropoutNet, Volkovs et al. 2017),
so the model learns to score cold tracks. The shares hidden match what a new playlist looks like: on
validation playlists only 15% of the true next tracks sit in a training playlist, and 59% have an
artist seen in training, while in training every target is such a track.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F


@dataclass
class VAEConfig:
    n_tracks: int = 0  # vocabulary size (rows of the content matrix); index n_tracks is padding
    n_artists: int = 0  # artist vocabulary size
    n_tags: int = 0  # request tags (genres, subgenres, moods)
    content_dim: int = 0  # width of the content / graph feature vectors
    dim: int = 64  # width of track vectors and of the GRU
    latent: int = 32  # size of the user vector u
    n_time: int = 5  # time-of-day buckets, the last one meaning unknown
    dropout: float = 0.2  # on the encoder's input and the decoder's output
    beta: float = 0.2  # KL weight reached at the end of annealing
    prefix_weight: float = 0.5  # weight of predictions inside the part the encoder saw
    cold_id_p: float = 0.85  # share of tracks whose id embedding is hidden per step (~ the cold share of held-out targets)
    cold_artist_p: float = 0.4  # share of tracks whose artist embedding is hidden per step (~ the unknown-artist share)
    use_latent: bool = True  # ablation "no_user_latent": u = 0, the GRU alone
    use_graph: bool = True  # ablation "no_graph": no propagated features
    use_content: bool = True  # ablation "no_content": no text, audio, artist or graph features: ids only
    max_context: int = 100  # the encoder and decoder read at most the last N tracks

    def to_dict(self) -> dict:
        return asdict(self)


class PlayGenieVAE(nn.Module):
    """Conditional VAE; ``forward(x, targets=None) -> (logits, loss)``, terms in ``last_terms``."""

    def __init__(self, cfg: VAEConfig):
        super().__init__()
        self.cfg = cfg
        V, A, C, d = cfg.n_tracks, cfg.n_artists, cfg.content_dim, cfg.dim
        # Catalog side, filled from data.ModelInputs (buffers, so the checkpoint carries them).
        self.register_buffer("content", torch.zeros(V, C))
        self.register_buffer("graph", torch.zeros(V, C))
        self.register_buffer("artist_of", torch.zeros(V, dtype=torch.long))
        self.register_buffer("artist_known", torch.zeros(A, dtype=torch.bool))
        self.register_buffer("warm", torch.zeros(V, dtype=torch.bool))
        self.register_buffer("prior", torch.zeros(V))  # log popularity, the fallback for empty input

        self.id_emb = nn.Embedding(V, d)
        self.artist_emb = nn.Embedding(A, d)
        nn.init.normal_(self.id_emb.weight, std=0.02)
        nn.init.normal_(self.artist_emb.weight, std=0.02)
        self.content_proj = nn.Sequential(nn.Linear(C, d), nn.GELU(), nn.Linear(d, d))
        self.graph_proj = nn.Linear(C, d)
        self.track_norm = nn.LayerNorm(d)

        self.tag_proj = nn.Linear(cfg.n_tags, d, bias=False)
        self.time_emb = nn.Embedding(cfg.n_time, d)
        nn.init.zeros_(self.time_emb.weight)  # the data has no timestamps: a no-op until trained on some
        self.encoder = nn.Sequential(nn.Linear(4 * d, 2 * d), nn.GELU(), nn.Linear(2 * d, 2 * cfg.latent))

        self.h0 = nn.Linear(cfg.latent, d)
        self.gru = nn.GRU(d, d, batch_first=True)
        self.head = nn.Sequential(nn.Linear(d + cfg.latent, d), nn.GELU(), nn.Linear(d, d))
        self.drop = nn.Dropout(cfg.dropout)
        # A content-similarity path in the output: the cosine between a track's content and the running
        # mean content of the playlist so far, scaled by a learned weight. The GRU learns what to add to it.
        self.content_scale = nn.Parameter(torch.tensor(10.0))
        self.kl_weight = cfg.beta  # the training loop anneals this from 0 to cfg.beta
        self.last_terms: dict[str, float] = {}
        self._reps: torch.Tensor | None = None  # cached track vectors in eval mode
        self._unit: torch.Tensor | None = None  # cached unit content rows in eval mode

    # ----- track vectors -------------------------------------------------------------------
    def track_vectors(self) -> torch.Tensor:
        """(V + 1, dim) track vectors, last row the zero padding; random cold masks in training."""
        if not self.training and self._reps is not None:
            return self._reps
        cfg, V = self.cfg, self.cfg.n_tracks
        dev = self.content.device
        id_on = self.warm.clone()
        art_on = self.artist_known[self.artist_of]
        if self.training:
            id_on &= torch.rand(V, device=dev) >= cfg.cold_id_p
            art_on &= torch.rand(V, device=dev) >= cfg.cold_artist_p
        r = self.id_emb.weight * id_on[:, None]  # (V, d)
        if cfg.use_content:
            r = r + self.artist_emb(self.artist_of) * art_on[:, None]
            r = r + self.content_proj(self.content)
            if cfg.use_graph:
                # a cold track's graph vector is its own content, as for a track in no playlist
                g = torch.where(id_on[:, None], self.graph, self.content)
                r = r + self.graph_proj(g)
        r = self.track_norm(r)
        r = torch.cat([r, r.new_zeros(1, r.shape[1])])  # (V + 1, d), padding row
        if not self.training:
            self._reps = r.detach()
        return r

    def train(self, mode: bool = True) -> "PlayGenieVAE":
        self._reps = self._unit = None
        return super().train(mode)

    def unit_content(self) -> torch.Tensor:
        """(V + 1, C) content rows scaled to unit length, padding row zero."""
        if not self.training and self._unit is not None:
            return self._unit
        c = F.normalize(self.content, dim=1)
        c = torch.cat([c, c.new_zeros(1, c.shape[1])])
        if not self.training:
            self._unit = c.detach()
        return c

    def running_content(self, x: torch.Tensor) -> torch.Tensor:
        """(B, T, C) the mean unit content of x[:, :t+1] at each position t (causal)."""
        c = self.unit_content()[x]  # (B, T, C)
        count = (x != self.cfg.n_tracks).cumsum(1).clamp(min=1)[..., None]  # (B, T, 1)
        return c.cumsum(1) / count

    def content_logits(self, mean_content: torch.Tensor) -> torch.Tensor:
        """(N, V) the content-similarity term for N running means (N, C)."""
        if not self.cfg.use_content:
            return mean_content.new_zeros(mean_content.shape[0], self.cfg.n_tracks)
        return self.content_scale * (mean_content @ self.unit_content()[:-1].T)  # (N, V)

    # ----- encoder q(u | prefix, history, context) -----------------------------------------
    def encode(self, reps: torch.Tensor, seen: torch.Tensor, history: torch.Tensor | None,
               tags: torch.Tensor | None, time: torch.Tensor | None) -> tuple[torch.Tensor, torch.Tensor]:  # fmt: skip
        """(mu, logvar), each (B, latent). ``seen``/``history``: (B, L) rows, padding = n_tracks."""
        cfg, B = self.cfg, seen.shape[0]
        pad = cfg.n_tracks

        def pool(idx: torch.Tensor, weight: float = 1.0) -> tuple[torch.Tensor, torch.Tensor]:
            mask = (idx != pad).float()[..., None] * weight  # (B, L, 1)
            return (reps[idx] * mask).sum(1), mask.sum(1)  # (B, d), (B, 1)

        total, count = pool(seen)
        if history is not None and history.numel():
            # the user's history counts, at half the weight of the playlist at hand
            h_total, h_count = pool(history, 0.5)
            total, count = total + h_total, count + h_count
        recent, r_count = pool(last_n(seen, pad, 5))
        tag_vec = self.tag_proj(tags) if tags is not None else reps.new_zeros(B, cfg.dim)
        if time is None:
            time = torch.full((B,), cfg.n_time - 1, dtype=torch.long, device=reps.device)
        h = torch.cat([total / count.clamp(min=1e-6), recent / r_count.clamp(min=1e-6), tag_vec,
                       self.time_emb(time)], 1)  # (B, 4d)  # fmt: skip
        mu, logvar = self.encoder(self.drop(h)).chunk(2, dim=1)  # (B, latent) each
        return mu, logvar.clamp(-8, 8)

    # ----- decoder -------------------------------------------------------------------------
    def decode(self, reps: torch.Tensor, x: torch.Tensor, u: torch.Tensor,
               h: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:  # fmt: skip
        """Outputs (B, T, d) and the final hidden state (1, B, d) of the GRU over ``x`` (B, T)."""
        if h is None:
            h = torch.tanh(self.h0(u))[None]  # (1, B, d)
        out, h = self.gru(reps[x], h)  # (B, T, d)
        out = self.head(torch.cat([self.drop(out), u[:, None].expand(-1, out.shape[1], -1)], 2))  # (B, T, d)
        return out, h

    def forward(self, x: torch.Tensor, targets: torch.Tensor | None = None, *, seen: torch.Tensor | None = None,
                history: torch.Tensor | None = None, tags: torch.Tensor | None = None, time: torch.Tensor | None = None,
                weights: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor | None]:  # fmt: skip
        """x: (B, T) track rows, right-padded with ``n_tracks``; targets: (B, T) next rows, -1 = no loss.

        ``seen`` (B, L) is what the encoder reads (default: x). Without targets the logits are
        (B, V) for the next track after each sequence's last real position; with targets they are
        (N, V) for the N scored positions, and the loss is the negative ELBO per sequence.
        """
        cfg = self.cfg
        reps = self.track_vectors()  # (V + 1, d)
        seen = x if seen is None else seen
        if cfg.use_latent:
            mu, logvar = self.encode(reps, seen, history, tags, time)  # (B, latent)
            u = mu + torch.randn_like(mu) * (0.5 * logvar).exp() if self.training else mu
        else:
            mu = logvar = u = reps.new_zeros(x.shape[0], cfg.latent)
        out, _ = self.decode(reps, x, u)  # (B, T, d)
        table = reps[:-1]  # (V, d) the tied output layer
        run = self.running_content(x)  # (B, T, C)
        if targets is None:
            last = (x != cfg.n_tracks).sum(1).clamp(min=1) - 1  # (B,)
            b = torch.arange(x.shape[0])
            return out[b, last] @ table.T + self.content_logits(run[b, last]), None  # (B, V)
        pos = targets >= 0  # (B, T)
        logits = out[pos] @ table.T + self.content_logits(run[pos])  # (N, V)
        ce = F.cross_entropy(logits, targets[pos], reduction="none")  # (N,)
        w = weights[pos] if weights is not None else torch.ones_like(ce)
        recon = (ce * w).sum() / x.shape[0]  # per sequence
        kl_raw = (-0.5 * (1 + logvar - mu.pow(2) - logvar.exp()).sum(1)).mean() if cfg.use_latent else recon * 0
        kl = self.kl_weight * kl_raw
        self.last_terms = {"recon": recon.item(), "kl": kl.item(), "kl_raw": kl_raw.item(),
                           "ce": ce.mean().item()}  # fmt: skip
        return logits, recon + kl

    # ----- checkpoint ----------------------------------------------------------------------
    def checkpoint(self, track_ids: list[str], tags: list[str], extra: dict | None = None) -> dict:
        """What ``from_checkpoint`` needs to rebuild the model alone."""
        return {"config": self.cfg.to_dict(), "state": self.state_dict(), "track_ids": track_ids,
                "tags": tags, "extra": extra or {}}  # fmt: skip

    @classmethod
    def from_checkpoint(cls, ckpt: dict) -> "PlayGenieVAE":
        model = cls(VAEConfig(**ckpt["config"]))
        model.load_state_dict(ckpt["state"])
        return model.eval()


def last_n(idx: torch.Tensor, pad: int, n: int) -> torch.Tensor:
    """(B, n) the last ``n`` real entries of right-padded rows ``idx`` (B, L), padded with ``pad``."""
    length = (idx != pad).sum(1, keepdim=True)  # (B, 1)
    pos = length - n + torch.arange(n, device=idx.device)[None]  # (B, n)
    valid = pos >= 0
    return torch.where(valid, idx.gather(1, pos.clamp(min=0)), torch.full_like(pos, pad))


def from_inputs(inputs, **overrides) -> PlayGenieVAE:
    """A fresh model sized for ``data.ModelInputs``, its catalog buffers filled."""
    import numpy as np

    cfg = VAEConfig(n_tracks=len(inputs.track_ids), n_artists=len(inputs.artist_known), n_tags=len(inputs.tags),
                    content_dim=inputs.content.shape[1], **overrides)  # fmt: skip
    model = PlayGenieVAE(cfg)
    model.content.copy_(torch.from_numpy(inputs.content))
    model.graph.copy_(torch.from_numpy(inputs.graph))
    model.artist_of.copy_(torch.from_numpy(inputs.artist_of))
    model.artist_known.copy_(torch.from_numpy(inputs.artist_known))
    model.warm.copy_(torch.from_numpy(inputs.warm))
    model.prior.copy_(torch.from_numpy(np.log1p(inputs.popularity).astype("float32")))
    return model
