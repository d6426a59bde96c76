"""
=====================================================
Choosing the variant by cross-validation
=====================================================

:class:`~sklearn_esmem.EvolutionarySplitMergeMixture` is an ordinary
scikit-learn estimator: it goes into a :class:`~sklearn.pipeline.Pipeline`
and its parameters, the variant included, can be searched by
:class:`~sklearn.model_selection.GridSearchCV`. A mixture's ``score`` is the
mean log-likelihood per sample, so the grid search keeps the setting whose
fits give the highest likelihood to the *held-out* folds: a test of how well
each variant generalises, rather than of its criterion on the training data.

The data: 16 overlapping Gaussians on a 4 x 4 grid, with the second feature
in units 100 times smaller than the first, which a
:class:`~sklearn.preprocessing.StandardScaler` in the pipeline undoes.
"""

# %%
import matplotlib.pyplot as plt
import numpy as np
from sklearn.model_selection import GridSearchCV, KFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_esmem import VARIANTS, EvolutionarySplitMergeMixture
from sklearn_esmem.datasets import make_grid_mixture

X, _ = make_grid_mixture(grid_size=4, n_per_component=30, std=0.2, random_state=0)
X = X * np.array([1.0, 0.01])  # e.g. metres and centimetres

pipe = make_pipeline(
    StandardScaler(),
    EvolutionarySplitMergeMixture(max_generations=30, random_state=0),
)
print(pipe)

# %%
# The grid
# --------
# Pipeline parameters are named ``<step>__<parameter>``. Here the eight
# variants; strategy parameters are reachable the same way, for instance
# ``evolutionarysplitmergemixture__split_operator__n_kmeans_iter`` when the
# split operator is given explicitly.
param_grid = {"evolutionarysplitmergemixture__variant": list(VARIANTS)}
search = GridSearchCV(pipe, param_grid, cv=KFold(3, shuffle=True, random_state=0))
search.fit(X)

# %%
# Results
# -------
results = search.cv_results_
for variant, mean, std in zip(
    results["param_evolutionarysplitmergemixture__variant"],
    results["mean_test_score"],
    results["std_test_score"],
    strict=True,
):
    print(f"{variant:12s} held-out log-likelihood per sample {mean:.4f} +/- {std:.4f}")
best = search.best_estimator_[-1]
print(f"best: {search.best_params_}, k = {best.n_components_}")

# %%
fig, ax = plt.subplots(figsize=(8, 3.8), layout="constrained")
order = np.argsort(results["mean_test_score"])
names = np.array(results["param_evolutionarysplitmergemixture__variant"])[order]
ax.errorbar(
    results["mean_test_score"][order],
    np.arange(len(order)),
    xerr=results["std_test_score"][order],
    fmt="o",
    capsize=3,
)
ax.set_yticks(np.arange(len(order)), names)
ax.set_xlabel("held-out log-likelihood per sample, mean +/- std over folds")
ax.set_title("GridSearchCV over the variants (higher is better)")
plt.show()

# %%
# The differences between variants are small against the spread over the
# folds: on one data set, the choice of variant matters less than the search
# itself. The refitted pipeline (``search.best_estimator_``) predicts and
# scores new data in the original units:
print(search.best_estimator_.predict(X[:5]))
print(f"{search.best_estimator_.score(X):.4f}")
