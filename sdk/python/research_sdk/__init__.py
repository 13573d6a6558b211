"""rsdk's Python SDK.

```python
from research_sdk import Experiment
exp = Experiment(project="vit_imagenet", name="12_from_8_lr_sweep", features="features.yaml")
exp.log_metric("loss", 0.42, step=10)
exp.log_image("attention", img)
exp.finish(status="complete")
```
"""

from __future__ import annotations

from ._native import RsdkError, __version__
from .experiment import Experiment, active_experiment
from .features import Features

__all__ = ["Experiment", "Features", "RsdkError", "__version__", "active_experiment"]
