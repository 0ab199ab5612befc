"""evals.cap_probe's rules: 'product' is add-more's cap as the code has it, 'least:L:S' the share rule it varies."""

import pytest


def test_the_probes_rules_read_the_seed_as_their_names_say():
    from evals.cap_probe import rule_for

    seed = [0, 1, 2, 3, 4]  # five artists, one track each
    product, before, strict_share = (
        rule_for("product", seed, 2),
        rule_for("least:2:0.2", seed, 2),
        rule_for("least:1:0.25", seed, 2),
    )
    assert product.limit(0, 15) == 3  # a fifth of 15: the shipped rule
    assert before.limit(0, 15) == 2 and strict_share.limit(0, 15) == 2  # two tracks needed / a fifth under .25
    assert rule_for("least:1:0.2", seed, 2).limit(0, 25) == product.limit(0, 25) == 5
    stacked = [7, 7, 7] + list(range(10, 30))  # 3 > cap: kept by every rule, whatever its share
    assert all(rule_for(s, stacked, 2).limit(7, 46) == 6 for s in ("product", "least:2:0.2", "least:1:0.25"))
    with pytest.raises(ValueError):
        rule_for("share:0.2", seed, 2)
