import pytest
import torch
from torch import nn

import pose
from pose.model.fusion import fold_batchnorm


@pytest.mark.parametrize("name", ["XS", "M"])
def test_folded_model_computes_the_same(name):
    model = pose.init_deterministic(pose.build_model(name))
    folded = fold_batchnorm(model)
    remaining = [m for m in folded.modules() if isinstance(m, nn.BatchNorm2d)]
    assert len(remaining) == 1  # the backbone's final BN precedes a padded conv
    x = torch.randn(2, 3, 256, 256, generator=torch.Generator().manual_seed(3))
    with torch.inference_mode():
        torch.testing.assert_close(folded(x), model(x), atol=1e-4, rtol=0)
    assert folded.variant == model.variant
    assert sum(isinstance(m, nn.BatchNorm2d) for m in model.modules()) > 1  # the original is untouched


@pytest.mark.parametrize("name", ["M", "L", "XS"])
def test_inference_rewrites_compute_the_same_with_fewer_macs(name):
    from torch.utils.flop_counter import FlopCounterMode

    from pose.model.fusion import optimize_for_inference

    model = pose.init_deterministic(pose.build_model(name))
    fast = optimize_for_inference(model)
    x = torch.randn(1, 3, 256, 256, generator=torch.Generator().manual_seed(4))
    flops = []
    with torch.inference_mode():
        for net in (model, fast):
            with FlopCounterMode(display=False) as counter:
                out = net(x)
            flops.append(counter.get_total_flops())
        torch.testing.assert_close(fast(x), model(x), atol=1e-4, rtol=0)
    if model.variant.head_upsample[2]:
        assert flops[1] < 0.75 * flops[0]  # the final conv runs on a quarter of the pixels
    else:
        assert flops[1] == flops[0]
    assert out.shape == (1, 18, 3)
