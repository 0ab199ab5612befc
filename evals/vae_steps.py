"""CPU of a few VAE training steps, as ``train._train`` makes them, and a digest of the weights they leave.

Usage (PLAYGENIE_HOME a home whose embedding cache holds the documents):
    python -m evals.vae_steps HOME STEPS time [THREADS]   # CPU and wall of STEPS - 1 steps after one, losses, weights
    python -m evals.vae_steps HOME STEPS prof [THREADS]   # torch.profiler table by op and input shape

A change that should keep the maths must leave the losses and the weights' digest as they were (build10).
"""

import sys, time
from pathlib import Path
import numpy as np, torch
from tools.settings import Settings
from tools.build import load_catalog
from tools.continuation import data
from tools.continuation.data import playlist_messages
from tools.continuation.model import from_inputs
from tools.continuation.train import TrainConfig, split_train_val, listener_batch, train_step

home = Path(sys.argv[1])
steps = int(sys.argv[2])
mode = sys.argv[3]
threads = int(sys.argv[4]) if len(sys.argv) > 4 else 2
torch.set_num_threads(threads)
settings = Settings(home=home)
catalog = load_catalog(settings)
tcfg = TrainConfig()
train_ids, val_ids = split_train_val(list(catalog.playlists), tcfg.val_fraction, tcfg.seed)
inputs = data.build_inputs(catalog, train_ids, home, progress=False)
train_tags = [data.playlist_tags(catalog, p, inputs.tags) for p in train_ids if p in catalog.playlists]
train_seqs = data.sequences(catalog, train_ids)
pool = data.ListenerPool(catalog, train_ids, inputs.artist_of)
torch.manual_seed(0)
rng = np.random.default_rng(0)
model = from_inputs(inputs, beta=settings.vae_beta)
cfg = model.cfg
opt = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=1e-5)
keep = [i for i, s in enumerate(train_seqs) if len(s) >= 2]
usable = [(train_seqs[i], train_tags[i]) for i in keep]
messages = playlist_messages(inputs.content, [s for s, _ in usable])
artists = [np.unique(inputs.artist_of[s]) for s, _ in usable]
members = [pool.members[i] for i in keep]
order = rng.permutation(len(usable))
batches = [
    listener_batch(order[b * tcfg.batch_size : (b + 1) * tcfg.batch_size], usable, messages, artists, cfg, tcfg, rng,
                   pool, members)
    for b in range(steps)
]  # fmt: skip
model.train()


def step(batch):
    return train_step(model, opt, batch).item()


step(batches[0])
if mode == "time":
    c = time.process_time()
    w = time.perf_counter()
    losses = [step(b) for b in batches[1:]]
    import hashlib

    h = hashlib.sha256()
    for k, v in model.state_dict().items():
        h.update(v.numpy().tobytes())
    print(
        f"{steps - 1} steps: {time.process_time() - c:.2f} s CPU {time.perf_counter() - w:.2f} s wall; "
        f"losses {losses} params {h.hexdigest()[:16]}"
    )
else:
    from torch.profiler import profile, ProfilerActivity

    with profile(activities=[ProfilerActivity.CPU], record_shapes=True) as p:
        for b in batches[1:]:
            step(b)
    print(
        p.key_averages(group_by_input_shape=True).table(
            sort_by="self_cpu_time_total", row_limit=45, max_name_column_width=40, max_shapes_column_width=70
        )
    )
