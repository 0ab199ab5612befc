"""evals.build_probe: the index settings it builds are the bench's, changed only where a probe says so."""

import pytest

from evals.bench import INDEX_CONFIGS
from evals.build_probe import parse_config
from tools.index import IndexConfig


def test_a_named_setting_is_the_bench_one():
    assert parse_config("hnsw-int8-p0-disk", INDEX_CONFIGS, IndexConfig) == IndexConfig(
        **INDEX_CONFIGS["hnsw-int8-p0-disk"]
    )


def test_changes_apply_to_the_named_setting_only_where_given():
    config = parse_config("hnsw-int8-p0-disk+hnsw_ef_construct=64+acorn=true", INDEX_CONFIGS, IndexConfig)
    base = IndexConfig(**INDEX_CONFIGS["hnsw-int8-p0-disk"])
    assert (config.hnsw_ef_construct, config.acorn) == (64, True)
    assert (config.hnsw_m, config.quantization, config.on_disk, config.payload_m) == (
        base.hnsw_m,
        base.quantization,
        base.on_disk,
        base.payload_m,
    )


def test_an_unknown_setting_or_field_is_refused():
    with pytest.raises(KeyError):
        parse_config("no-such-setting", INDEX_CONFIGS, IndexConfig)
    with pytest.raises(TypeError):
        parse_config("exact+no_such_field=1", INDEX_CONFIGS, IndexConfig)
