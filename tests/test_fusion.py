import pytest
import torch
from torch import nn

import pose
from pose.fusion import fold_batchnorm


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
