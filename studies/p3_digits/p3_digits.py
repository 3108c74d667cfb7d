"""P3 real data (sklearn digits): the empirical score memorizes (d1 ~ sigma_min), coarse ones not.

scikit-learn's bundled 8 x 8 digits (1797 images, no download; pixels / 16, d = 64) as the CPU
analogue of the real-data experiments of Huang et al., "Collapse and refine" (arXiv 2605.20235) and
Li, Shen, Hsieh, He (arXiv 2509.24912) (docs/science.md, P2 and P3). Task and metrics:
``tasks.digits_memorization`` of this family (two disjoint training sets A, B of N images, 297
held-out images; reverse SDE, sigma 3 -> sigma_min, 100 geometric Euler steps, no final Tweedie
step, 32 samples from the same noise for the models of A and B). Needs scikit-learn (the
``digits`` extra).

Estimators: the exact empirical score; the coarse closed-form score of Scarvelis, Borde and
Solomon (2023), the empirical score averaged over 16 frozen i.i.d. Gaussian perturbations of
scale h = 0.3 (|h z| ~ 2.4, about twice the nearest-neighbour spacing of the digits, 1.0 - 1.4);
and the same with 8 antithetic pairs +-h z_j (``closed_form_antithetic``, defined in this
family's ``tasks.py``). Finding that motivated the third one (added after a first run, the claim
unchanged): with frozen i.i.d. nodes the sigma -> 0 fixed point near a training image x_i is
x_i - h mean_j z_j, a *shifted copy* at distance h sqrt(d / J) ~ 0.6 (the gallery shows it),
which the nearest-neighbour metrics read as "novel"; antithetic nodes have zero mean, so their
fixed points are genuine barycentres of the training images nearest to the perturbed queries.

Claim (axis sigma_min = 0.01, 0.003, 0.001, one decade, 10 seeds, as registered and in the
committed table; 3e-4 and 1e-4 added 2026-12-05, see below), per estimator and N in
{150, 748}: ``d1_median`` (median distance of generated images to their nearest training image)
is either ~ sigma_min (memorization: the sample is a training image plus the last step's noise,
|noise| ~ sqrt(64) sigma_min; exponent +1) or Theta(1) (novel samples; exponent 0).
Both are declared (rule "any"): the fits table says which one each estimator follows and
contradicts the other. Tolerance 0.05: for the memorizing model d1 = c sigma_min exactly up to the
O(sigma_min^2) curvature of the step schedule; for a novel model the sigma_min-noise adds
(8 sigma_min)^2 / d1^2 < 1e-2 to d1^2 at sigma_min = 0.01 (slope bias < 0.01). max_halfwidth 0.1.
Re-registered 2026-12-05 under the equivalence rule: tolerance 0.15 = 0.05 + 0.1, mechanically.

Role: control. The exact empirical score memorizes by construction (its reverse SDE ends on a
training image plus the last step's noise), and the frozen-node closed-form score's sigma -> 0
fixed points are shifted copies by construction (read as "novel"); only the antithetic variant is
an open case. No statement of a paper is tested: P3's real-data claims (SiLD against VAE latent
diffusion, reconstruction) need trained models, outside this study.

Grid extended 2026-12-05 (after seeing the committed table): 3 levels over one decade are
underpowered under the rule that a verdict needs >= 4 levels over >= 1.5 decades, so sigma_min
3e-4 and 1e-4 were added (5 levels, 2 decades). Downward only: the noise-bias argument above is
largest at sigma_min = 0.01 and unchanged. The predictions and the tolerance are as registered.
The committed table lacks the new levels (full run pending: 120 more cells, measured 3 - 11 s
each at N = 150 on one core, about 15 - 25 CPU-minutes).

Also reported (figure tables, no rate claim): the novelty ratio against held-out images, the
memorized fraction (d1/d2 < 1/3), the two-disjoint-sets paired ratio (~0: both models give the same
image from the same noise), FLIPD plateau dimension of the digits at each N, and a gallery of
generated images beside their nearest training images. Cost ~10 min on 2 shared cores; a bigger
machine would add N in between, more samples, and the smoothed / kernel-smoothed scores.
"""

from ratesim.study import Claim, Study

from .figures import digits_tables
from .tasks import digits_memorization

STUDY = Study(
    name="p3_digits",
    task=digits_memorization,
    grid={
        "estimator": ["empirical", "closed_form", "closed_form_antithetic"],
        "N": [150, 748],
        "h": 0.3,
        "n_gen": 32,
        "steps": 100,
        "sigma_min": [0.01, 0.003, 0.001, 0.0003, 0.0001],
    },
    seeds=10,
    quick={"N": [100], "n_gen": 8, "steps": 40, "sigma_min": [0.01, 0.003, 0.001, 0.0003]},
    quick_seeds=10,
    seed=2605_20235,
    registered=("2026-11-23", "d070b06"),
    claims=[
        Claim(
            metric="d1_median",
            predict={"memorizes: sigma_min^1": 1.0, "novel: Theta(1)": 0.0},
            on="sigma_min",
            group_by=("estimator", "N"),
            tolerance=0.15,
            rule="any",
            role="control",
            why=(
                "Memorization (empirical score) and shifted copies (frozen closed-form nodes) "
                "hold by construction; the claim checks the pipeline's memorization readout."
            ),
            posthoc=(
                "grid extended 2026-12-05 from sigma_min = 0.01, 0.003, 0.001 (underpowered) "
                "to 0.01 ... 1e-4 (5 levels, 2 decades); predictions and tolerance as registered"
            ),
            expect={"estimator=closed_form_antithetic, N=150": "inconclusive"},
            evidence=(
                "Full run of the extended grid (5 levels of sigma_min over 2 decades) from a clean "
                "commit: the empirical score memorizes (d1 slope +0.987 and +0.990 at N = 150 and "
                "748, 'novel' contradicted); both closed-form scores are novel (slopes -0.011 to "
                "+0.004); the antithetic one at N = 150 gives +0.194 [+0.049, +0.353]: not "
                "memorizing ('memorizes' contradicted) but not flat within +-0.15 either."
            ),
        )
    ],
    figures=[digits_tables],
)
