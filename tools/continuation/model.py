"""The PlayGenie continuation model: a conditional VAE over playlists.

    u ~ q(u | playlist[<=n], history D, context)     encoder: pooled track and graph vectors + tags + time of day
    s[t+1] ~ P(. | s[<=t], u)                         decoder: a GRU conditioned on u
    ELBO = sum_t log P(s[t+1] | s[<=t], u)  -  beta * KL(q(u|.) || N(0, I))

A track's vector combines a learned id embedding, a learned artist embedding and projected content
(text embedding + audio features). The same vectors are the decoder's
inputs and its output layer (tied): a track's logit is a dot product with its vector, so a track
that no training playlist holds is still scored through its content. In training, ids and artists
are hidden for a random share of the tracks at each step (as in DropoutNet, Volkovs et al. 2017),
so the model learns to score cold tracks. The shares hidden match what a new playlist looks like: on
validation playlists only 15% of the true next tracks sit in a training playlist, and 59% have an
artist seen in training, while in training every target is such a track.

The graph signal also reaches u: the encoder pools, over the seed tracks, the mean message of the
training playlists that hold each one (one round of message passing over the playlist-track
graph, ``data.message_sums``). In training the playlist at hand is left out of its own tracks'
messages, as a new playlist is in no training playlist.

A copy path (as in pointer and repeat-aware session models, e.g. RepeatNet, Ren et al. 2019) adds
w_artist * log(1 + tracks so far by j's artist) + w_album * log(1 + tracks so far from j's album) to
track j's logit, the weights read from the decoder state and u. It needs no learned artist vector,
so it works for artists no training playlist holds; u decides how much a playlist stacks its
artists. A third weight scores j's artist by how often training playlists list it next to the
artists so far (messages over the artist-playlist graph), which reaches new tracks of known artists.

The listener's history D (likes, kept playlists; in training and evaluation a synthetic listener's
other playlists, ``data.ListenerPool``) adds three terms to every track's logit, the same at every
step (``history_logits``): D's tracks by j's artist, artists co-listed with D's, and the cosine of j's
content to D's mean. D's own tracks are never proposed. In training the encoder also pools D apart
from the playlist at hand and u sets the terms' weights (a gate); at inference neither: on validation
listeners u reading D cost 2-3% R-precision and the learned gate never left its initial whisper, so
the terms' weights are ``HISTORY_TERMS``, chosen on validation listeners by the playlist's length.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F

# The weights of D's terms (D's artists, artists co-listed with them, the raw cosine to D's sound) at
# inference, by the playlist's length, interpolated in log length and constant past the last entry.
# Chosen on validation listeners (``playgenie eval continuation --histories --validation``, R-precision +
# NDCG summed over the three listener rules), kept only where the paired gain's 95% interval was above
# zero: one seed track (NDCG +.007 to +.012 by rule); from 5 tracks no weight beat none.
HISTORY_TERMS: tuple[tuple[int, tuple[float, float, float]], ...] = (
    (1, (0.5, 2.0, 2.5)),
    (5, (0.0, 0.0, 0.0)),
)
U_READS_HISTORY = False  # whether the encoder pools D at inference (it did, and it cost 2-3% R-precision)


@dataclass
class VAEConfig:
    n_tracks: int = 0  # vocabulary size (rows of the content matrix); index n_tracks is padding
    n_artists: int = 0  # artist vocabulary size
    n_albums: int = 0  # album vocabulary size (the copy path)
    n_tags: int = 0  # request tags (genres, subgenres, moods)
    content_dim: int = 0  # width of the content / graph feature vectors
    dim: int = 32  # width of track vectors and of the GRU
    latent: int = 32  # size of the user vector u
    n_time: int = 5  # time-of-day buckets, the last one meaning unknown
    dropout: float = 0.5  # on the encoder's input and the decoder's output
    beta: float = 0.2  # KL weight reached at the end of annealing
    prefix_weight: float = 0.5  # weight of predictions inside the part the encoder saw
    cold_id_p: float = (
        0.85  # share of tracks whose id embedding is hidden per step (~ the cold share of held-out targets)
    )
    cold_artist_p: float = 0.4  # share of tracks whose artist embedding is hidden per step (~ the unknown-artist share)
    use_latent: bool = True  # ablation "no_user_latent": u = 0, the GRU alone
    use_graph: bool = True  # ablation "no_graph": no graph messages, in the encoder or the copy path
    use_content: bool = True  # ablation "no_content": no text, audio, artist or graph features: ids only
    use_copy: bool = True  # ablation "no_copy": no artist / album copy path
    use_history: bool = True  # ablation "no_history_terms": D reaches u only, not the output's history terms
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
        self.register_buffer("graph_sum", torch.zeros(V, C))  # summed messages of the playlists holding a track
        self.register_buffer("degree", torch.zeros(V))  # how many training playlists hold it
        self.register_buffer("artist_of", torch.zeros(V, dtype=torch.long))
        self.register_buffer("album_of", torch.zeros(V, dtype=torch.long))
        self.register_buffer("artist_playlists", torch.zeros(2, 0, dtype=torch.long))  # (playlist, artist) pairs
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
        # playlist pool, recent pool, tags, time, graph; history pool, history graph, history size
        self.encoder = nn.Sequential(nn.Linear(7 * d + 1, 2 * d), nn.GELU(), nn.Linear(2 * d, 2 * cfg.latent))
        # u and the playlist's length -> softplus weights of the history's terms: its artists, artists
        # co-listed with them, its sound. They start small: D is a prior that the playlist at hand overrides.
        self.history_gate = nn.Linear(cfg.latent + 1, 3)
        nn.init.zeros_(self.history_gate.weight)
        nn.init.constant_(self.history_gate.bias, -3.0)

        self.h0 = nn.Linear(cfg.latent, d)
        self.gru = nn.GRU(d, d, batch_first=True)
        self.head = nn.Sequential(nn.Linear(d + cfg.latent, d), nn.GELU(), nn.Linear(d, d))
        self.drop = nn.Dropout(cfg.dropout)
        # A content-similarity path in the output: the cosine between a track's content and the running
        # mean content of the playlist so far, scaled by a learned weight. The GRU learns what to add to it.
        self.content_scale = nn.Parameter(torch.tensor(10.0))
        self.copy_gate = nn.Linear(d + cfg.latent, 3)  # -> softplus weights: artist, album, artist neighbours
        nn.init.zeros_(self.copy_gate.weight)
        with torch.no_grad():
            self.copy_gate.bias.copy_(torch.tensor([2.0, 2.0, 0.0]))
        self._artist_graph: tuple[torch.Tensor, torch.Tensor] | None = None  # built on first use
        self.kl_weight = cfg.beta  # the training loop anneals this from 0 to cfg.beta
        self.last_terms: dict[str, float] = {}
        self._reps: torch.Tensor | None = None  # cached track vectors in eval mode
        self._unit: torch.Tensor | None = None  # cached unit content rows in eval mode
        self._unit_cols: torch.Tensor | None = None  # the same as contiguous (C, V) columns, in eval mode

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
        r = self.track_norm(r)
        r = torch.cat([r, r.new_zeros(1, r.shape[1])])  # (V + 1, d), padding row
        if not self.training:
            self._reps = r.detach()
        return r

    def train(self, mode: bool = True) -> "PlayGenieVAE":
        self._reps = self._unit = self._unit_cols = self._artist_graph = None
        return super().train(mode)

    def unit_content(self) -> torch.Tensor:
        """(V + 1, C) content rows scaled to unit length, padding row zero. ``content`` is a buffer, not learned: the
        rows are computed once per mode switch (``train``/``eval`` clear them), not at every call of a training step."""
        if self._unit is None:
            c = F.normalize(self.content, dim=1)
            self._unit = torch.cat([c, c.new_zeros(1, c.shape[1])]).detach()
        return self._unit

    def running_content(self, x: torch.Tensor) -> torch.Tensor:
        """(B, T, C) the mean unit content of x[:, :t+1] at each position t (causal)."""
        c = self.unit_content()[x]  # (B, T, C)
        count = (x != self.cfg.n_tracks).cumsum(1).clamp(min=1)[..., None]  # (B, T, 1)
        return c.cumsum(1) / count

    def content_logits(self, mean_content: torch.Tensor) -> torch.Tensor:
        """(N, V) the content-similarity term for N running means (N, C)."""
        if not self.cfg.use_content:
            return mean_content.new_zeros(mean_content.shape[0], self.cfg.n_tracks)
        if self.training:
            return self.content_scale * (mean_content @ self.unit_content()[:-1].T)  # (N, V)
        if self._unit_cols is None:  # a row times contiguous columns is ~6x faster than times a transposed view
            self._unit_cols = self.unit_content()[:-1].T.contiguous()
        return self.content_scale * (mean_content @ self._unit_cols)  # (N, V)

    @property
    def copying(self) -> bool:
        return self.cfg.use_copy and self.cfg.use_content and self.cfg.n_albums > 0

    def prefix_counts(self, x: torch.Tensor, upto: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Artist (N, A) and album (N, Al) counts of ``x[b, :t+1]`` for N (b, t) pairs ``upto`` (N, 2)."""
        cfg = self.cfg
        rows = x[upto[:, 0]]  # (N, T)
        live = (torch.arange(x.shape[1], device=x.device)[None] <= upto[:, 1:]) & (rows != cfg.n_tracks)  # (N, T)
        safe = rows.clamp(max=cfg.n_tracks - 1)
        a = rows.new_zeros(len(rows), cfg.n_artists, dtype=torch.float).scatter_add_(
            1, self.artist_of[safe], live.float()
        )
        b = rows.new_zeros(len(rows), cfg.n_albums, dtype=torch.float).scatter_add_(
            1, self.album_of[safe], live.float()
        )
        return a, b  # (N, A), (N, Al)

    def artist_graph(self) -> tuple[torch.Tensor, torch.Tensor]:
        """Sparse (P, A) artist-playlist incidence of the training playlists; (A,) playlists per artist."""
        if self._artist_graph is None:
            idx = self.artist_playlists
            P = int(idx[0].max()) + 1 if idx.numel() else 1
            vals = torch.ones(idx.shape[1], device=idx.device)
            M = torch.sparse_coo_tensor(idx, vals, (P, self.cfg.n_artists), check_invariants=True).coalesce()
            self._artist_graph = (M, torch.sparse.sum(M, 0).to_dense())
            # kept transposed too: transposing a sparse tensor made outside inference mode fails inside it
            self._artist_graph_t = M.t().coalesce()
        return self._artist_graph

    def colistings(self, artists: torch.Tensor) -> torch.Tensor:
        """(N, A) how often training playlists list each artist with the tracks so far (N, A counts).

        Linear in ``artists``, so generation adds one track's row at a time."""
        M, _ = self.artist_graph()  # (P, A)
        return torch.sparse.mm(self._artist_graph_t, torch.sparse.mm(M, artists.T)).T  # (N, A)

    def artist_neighbours(
        self,
        artists: torch.Tensor,
        leave_out: torch.Tensor | None = None,
        colisted: torch.Tensor | None = None,
        cols: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """(N, A) log(1 + co-listings) of every artist with the tracks so far (N, A artist counts), per
        track so far and over sqrt(playlists listing it); the artists so far get 0 (the copy term has them).
        ``leave_out`` (N, A): the artists of the training playlist at hand, whose own listing is removed.
        ``colisted``: ``colistings(artists)`` when the caller keeps it up to date. ``cols`` (M,): only
        these artists, (N, M)."""
        co = self.colistings(artists) if colisted is None else colisted  # (N, A)
        listed = self.artist_graph()[1][None]  # (1, A)
        so_far = artists.sum(1, keepdim=True).clamp(min=1)  # a mean over the tracks so far, whatever their number
        if leave_out is not None:  # that playlist listed each of its artists next to its share of ``artists``
            co = co - (artists * leave_out).sum(1, keepdim=True) * leave_out
            listed = listed - leave_out
        if cols is not None:
            co, listed, artists = co[:, cols], listed[:, cols], artists[:, cols]
        co = (co / listed.clamp(min=1).sqrt() / so_far).clamp(min=0).masked_fill(artists > 0, 0.0)
        return torch.log1p(co)

    def copy_logits(
        self,
        out: torch.Tensor,
        u: torch.Tensor,
        artists: torch.Tensor,
        albums: torch.Tensor,
        cols: torch.Tensor | None = None,
        leave_out: torch.Tensor | None = None,
        colisted: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """(N, V) the copy term for decoder outputs (N, d), latents (N, latent) and prefix counts;
        (N, M) for the tracks ``cols`` (M,) only. ``leave_out``, ``colisted``: see ``artist_neighbours``."""
        w = F.softplus(self.copy_gate(torch.cat([out, u], 1)))  # (N, 3)
        art, alb = (self.artist_of, self.album_of) if cols is None else (self.artist_of[cols], self.album_of[cols])
        # log1p per artist and album, then per track: the same values as per track (N, V), fewer of them to compute
        logits = w[:, :1] * torch.log1p(artists)[:, art] + w[:, 1:2] * torch.log1p(albums)[:, alb]
        if self.cfg.use_graph and self.artist_playlists.numel():
            if cols is None:
                logits = logits + w[:, 2:] * self.artist_neighbours(artists, leave_out, colisted)[:, art]
            else:  # only the artists of the M tracks
                logits = logits + w[:, 2:] * self.artist_neighbours(artists, leave_out, colisted, art)
        return logits

    def history_logits(
        self, history: torch.Tensor, u: torch.Tensor, length: torch.Tensor, leave_out: torch.Tensor | None = None
    ) -> torch.Tensor:
        """(B, V) what the listener's history D (B, H rows, padding = n_tracks) adds to every track's logit,
        the same at every step: w1 * log(1 + D's tracks by j's artist) + w2 * (artists co-listed with D's,
        as ``artist_neighbours``) + w3 * (cosine of j's content to D's mean), the weights from
        ``history_weights`` (u and the playlist's length (B,): the longer it is, the less a prior matters).
        D's own tracks get -inf: a continuation never repeats the history (generation bans them too).
        ``leave_out`` (B, A): in training, the artists of the playlist at hand (see ``artist_neighbours``)."""
        cfg = self.cfg
        live = history != cfg.n_tracks  # (B, H)
        safe = history.clamp(max=cfg.n_tracks - 1)
        w = self.history_weights(u, length)  # (B, 3)
        out = u.new_zeros(history.shape[0], cfg.n_tracks)
        if cfg.use_history and cfg.use_content and (self.training or bool(w.any())):  # no weight: nothing to add
            counts = u.new_zeros(history.shape[0], cfg.n_artists).scatter_add_(1, self.artist_of[safe], live.float())
            out = out + w[:, :1] * torch.log1p(counts)[:, self.artist_of]
            if cfg.use_graph and self.artist_playlists.numel():
                out = out + w[:, 1:2] * self.artist_neighbours(counts, leave_out)[:, self.artist_of]
            mean = (self.unit_content()[history] * live[..., None]).sum(1) / live.sum(1, keepdim=True).clamp(min=1)
            out = out + w[:, 2:] * self.content_logits(mean)  # (B, V)
        own = out.new_zeros(out.shape).scatter_add_(1, safe, live.float()) > 0  # (B, V) D's tracks
        return out.masked_fill(own, -float("inf"))

    def history_weights(self, u: torch.Tensor, length: torch.Tensor) -> torch.Tensor:
        """(B, 3) weights of D's terms for latents u (B, latent) and playlist lengths (B,): the learned gate
        in training, ``HISTORY_TERMS`` at inference."""
        if self.training:
            return F.softplus(self.history_gate(torch.cat([u, torch.log1p(length.float())[:, None] / 3], 1)))
        at = torch.log(torch.tensor([n for n, _ in HISTORY_TERMS], dtype=torch.float))  # (K,)
        table = torch.tensor([w for _, w in HISTORY_TERMS], dtype=u.dtype)  # (K, 3)
        table[:, 2] /= self.content_scale.item()  # the table weighs the raw cosine; the term is content_logits
        x = torch.log(length.float().clamp(min=1)).clamp(max=float(at[-1]))  # (B,)
        hi = torch.searchsorted(at, x).clamp(1, len(at) - 1)  # (B,) the anchor at or after x
        t = ((x - at[hi - 1]) / (at[hi] - at[hi - 1]))[:, None]  # (B, 1)
        return ((1 - t) * table[hi - 1] + t * table[hi]).to(u.device)  # (B, 3)

    def graph_vectors(self, idx: torch.Tensor, leave_out: torch.Tensor | None = None) -> torch.Tensor:
        """(B, L, C) mean message of the playlists holding each track of ``idx`` (B, L); with
        ``leave_out`` (B, C), that playlist's own message is removed. No playlist: own content."""
        safe = idx.clamp(max=self.cfg.n_tracks - 1)
        total, deg = self.graph_sum[safe], self.degree[safe]  # (B, L, C), (B, L)
        if leave_out is not None:
            total, deg = total - leave_out[:, None], deg - 1
        own = self.unit_content()[safe]
        return torch.where(deg[..., None] > 0.5, total / deg.clamp(min=1)[..., None], own)

    # ----- encoder q(u | prefix, history, context) -----------------------------------------
    def encode(
        self,
        reps: torch.Tensor,
        seen: torch.Tensor,
        history: torch.Tensor | None,
        tags: torch.Tensor | None,
        time: torch.Tensor | None,
        leave_out: torch.Tensor | None = None,
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """(mu, logvar), each (B, latent). ``seen``/``history``: (B, L) rows, padding = n_tracks.

        ``leave_out`` (B, C): in training, the message of the playlist ``seen`` comes from.
        """
        cfg, B = self.cfg, seen.shape[0]
        pad = cfg.n_tracks

        def pool(idx: torch.Tensor, weight: float = 1.0) -> tuple[torch.Tensor, torch.Tensor]:
            mask = (idx != pad).float()[..., None] * weight  # (B, L, 1)
            return (reps[idx] * mask).sum(1), mask.sum(1)  # (B, d), (B, 1)

        total, count = pool(seen)
        recent, r_count = pool(last_n(seen, pad, 5))
        past = reps.new_zeros(B, cfg.dim)  # the history D, pooled apart so that the encoder weighs it
        past_graph = reps.new_zeros(B, cfg.dim)
        size = reps.new_zeros(B, 1)
        if history is not None and history.numel() and (self.training or U_READS_HISTORY):
            h_total, h_count = pool(history)
            past, size = h_total / h_count.clamp(min=1e-6), torch.log1p(h_count) / 5
            if cfg.use_graph:
                live = (history != pad).float()[..., None]  # (B, H, 1)
                g = (self.graph_vectors(history) * live).sum(1) / live.sum(1).clamp(min=1)  # (B, C)
                past_graph = self.graph_proj(g) * (h_count > 0)
        tag_vec = self.tag_proj(tags) if tags is not None else reps.new_zeros(B, cfg.dim)
        if time is None:
            time = torch.full((B,), cfg.n_time - 1, dtype=torch.long, device=reps.device)
        graph = reps.new_zeros(B, cfg.dim)
        if cfg.use_graph:
            live = (seen != pad).float()[..., None]  # (B, L, 1)
            g = (self.graph_vectors(seen, leave_out) * live).sum(1) / live.sum(1).clamp(min=1)  # (B, C)
            graph = self.graph_proj(g)  # (B, d)
        h = torch.cat(
            [
                total / count.clamp(min=1e-6),
                recent / r_count.clamp(min=1e-6),
                tag_vec,
                self.time_emb(time),
                graph,
                past,
                past_graph,
                size,
            ],
            1,
        )  # (B, 7d + 1)
        mu, logvar = self.encoder(self.drop(h)).chunk(2, dim=1)  # (B, latent) each
        return mu, logvar.clamp(-8, 8)

    # ----- decoder -------------------------------------------------------------------------
    def decode(
        self, reps: torch.Tensor, x: torch.Tensor, u: torch.Tensor, h: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Outputs (B, T, d) and the final hidden state (1, B, d) of the GRU over ``x`` (B, T)."""
        if h is None:
            h = torch.tanh(self.h0(u))[None]  # (1, B, d)
        out, h = self.gru(reps[x], h)  # (B, T, d)
        out = self.head(torch.cat([self.drop(out), u[:, None].expand(-1, out.shape[1], -1)], 2))  # (B, T, d)
        return out, h

    def forward(
        self,
        x: torch.Tensor,
        targets: torch.Tensor | None = None,
        *,
        seen: torch.Tensor | None = None,
        history: torch.Tensor | None = None,
        tags: torch.Tensor | None = None,
        time: torch.Tensor | None = None,
        weights: torch.Tensor | None = None,
        leave_out: torch.Tensor | None = None,
        leave_out_artists: torch.Tensor | None = None,
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        """x: (B, T) track rows, right-padded with ``n_tracks``; targets: (B, T) next rows, -1 = no loss.

        ``seen`` (B, L) is what the encoder reads (default: x); ``history`` (B, H) the listener's
        history D (see ``history_logits``), never holding a target; ``leave_out`` (B, C) and
        ``leave_out_artists`` (B, A) the training playlists' own graph messages and artists, kept out
        of the graph signals (see ``graph_vectors``, ``artist_neighbours``). Without targets the logits are
        (B, V) for the next track after each sequence's last real position; with targets they are
        (N, V) for the N scored positions, and the loss is the negative ELBO per sequence.
        """
        cfg = self.cfg
        reps = self.track_vectors()  # (V + 1, d)
        seen = x if seen is None else seen
        if cfg.use_latent:
            mu, logvar = self.encode(reps, seen, history, tags, time, leave_out)  # (B, latent)
            u = mu + torch.randn_like(mu) * (0.5 * logvar).exp() if self.training else mu
        else:
            mu = logvar = u = reps.new_zeros(x.shape[0], cfg.latent)
        out, _ = self.decode(reps, x, u)  # (B, T, d)
        table = reps[:-1]  # (V, d) the tied output layer
        run = self.running_content(x)  # (B, T, C)
        past = None
        if history is not None and history.numel() and (history != cfg.n_tracks).any():
            past = self.history_logits(history, u, (seen != cfg.n_tracks).sum(1), leave_out_artists)  # (B, V)
        if targets is None:
            last = (x != cfg.n_tracks).sum(1).clamp(min=1) - 1  # (B,)
            b = torch.arange(x.shape[0])
            logits = out[b, last] @ table.T + self.content_logits(run[b, last])  # (B, V)
            if self.copying:
                logits = logits + self.copy_logits(out[b, last], u, *self.prefix_counts(x, torch.stack([b, last], 1)))
            return (logits if past is None else logits + past), None
        pos = targets >= 0  # (B, T)
        logits = out[pos] @ table.T + self.content_logits(run[pos])  # (N, V)
        where = pos.nonzero()  # (N, 2) (b, t) pairs, in the order of out[pos]
        if self.copying:
            own = leave_out_artists[where[:, 0]] if leave_out_artists is not None else None
            logits = logits + self.copy_logits(out[pos], u[where[:, 0]], *self.prefix_counts(x, where), leave_out=own)
        if past is not None:
            logits = logits + past[where[:, 0]]
        ce = F.cross_entropy(logits, targets[pos], reduction="none")  # (N,)
        w = weights[pos] if weights is not None else torch.ones_like(ce)
        recon = (ce * w).sum() / x.shape[0]  # per sequence
        kl_raw = (-0.5 * (1 + logvar - mu.pow(2) - logvar.exp()).sum(1)).mean() if cfg.use_latent else recon * 0
        kl = self.kl_weight * kl_raw
        self.last_terms = {"recon": recon.item(), "kl": kl.item(), "kl_raw": kl_raw.item(), "ce": ce.mean().item()}
        return logits, recon + kl

    # ----- checkpoint ----------------------------------------------------------------------
    def checkpoint(self, track_ids: list[str], tags: list[str], extra: dict | None = None) -> dict:
        """What ``from_checkpoint`` needs to rebuild the model alone."""
        return {
            "config": self.cfg.to_dict(),
            "state": self.state_dict(),
            "track_ids": track_ids,
            "tags": tags,
            "extra": extra or {},
        }

    @classmethod
    def from_checkpoint(cls, ckpt: dict) -> "PlayGenieVAE":
        model = cls(VAEConfig(**ckpt["config"]))
        model.artist_playlists = torch.zeros_like(ckpt["state"]["artist_playlists"])  # sized by the data
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

    cfg = VAEConfig(
        n_tracks=len(inputs.track_ids),
        n_artists=len(inputs.artist_known),
        n_tags=len(inputs.tags),
        n_albums=int(inputs.album_of.max()) + 1,
        content_dim=inputs.content.shape[1],
        **overrides,
    )
    model = PlayGenieVAE(cfg)
    model.content.copy_(torch.from_numpy(inputs.content))
    model.graph_sum.copy_(torch.from_numpy(inputs.graph_sum))
    model.degree.copy_(torch.from_numpy(inputs.degree))
    model.artist_of.copy_(torch.from_numpy(inputs.artist_of))
    model.album_of.copy_(torch.from_numpy(inputs.album_of))
    model.artist_playlists = torch.from_numpy(inputs.artist_playlists)
    model.artist_known.copy_(torch.from_numpy(inputs.artist_known))
    model.warm.copy_(torch.from_numpy(inputs.warm))
    model.prior.copy_(torch.from_numpy(np.log1p(inputs.popularity).astype("float32")))
    return model
