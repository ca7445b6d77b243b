//! Building the rating algorithm from `rate`'s flags, rejecting flags that do not
//! apply to the chosen algorithm.

use matchforge_core::rating::{
    Elo, Glicko2, KSchedule, Rating, RatingAlgorithm, WengLin, WengLinModel,
};
use serde_json::{Value, json};

use super::{AlgorithmName, ModelName, RateArgs};
use crate::error::Error;

/// The configured algorithm.
#[derive(Debug)]
pub(crate) enum Algorithm {
    Elo(Elo),
    Glicko2(Glicko2),
    WengLin(WengLin),
}

impl Algorithm {
    /// The algorithm behind the trait.
    pub(crate) fn as_dyn(&self) -> &dyn RatingAlgorithm {
        match self {
            Self::Elo(a) => a,
            Self::Glicko2(a) => a,
            Self::WengLin(a) => a,
        }
    }

    /// The configuration, for the JSON summary.
    pub(crate) fn parameters(&self) -> Value {
        let config = match self {
            Self::Elo(a) => serde_json::to_value(a),
            Self::Glicko2(a) => serde_json::to_value(a),
            Self::WengLin(a) => serde_json::to_value(a),
        };
        config.unwrap_or_else(|e| json!({ "error": e.to_string() }))
    }

    /// Builds the algorithm named in `args` from its flags.
    pub(crate) fn from_args(args: &RateArgs) -> Result<Self, Error> {
        reject_foreign_flags(args)?;
        Ok(match args.algorithm {
            AlgorithmName::Elo => {
                let mut elo = Elo::default();
                if let Some(k) = args.k {
                    elo = elo.with_k(k)?;
                }
                if let Some(scale) = args.scale {
                    elo = elo.with_scale(scale)?;
                }
                if let Some(schedule) = &args.k_schedule {
                    elo = elo.with_k_schedule(schedule.parse::<KSchedule>()?);
                }
                if let Some(r) = args.initial_rating {
                    elo = elo.with_initial_rating(r)?;
                }
                if let Some(a) = args.advantage {
                    elo = elo.with_advantage(a)?;
                }
                Self::Elo(elo)
            }
            AlgorithmName::Glicko2 => {
                let mut glicko = Glicko2::new(args.tau.unwrap_or(Glicko2::default().tau()))?;
                let start = glicko.initial_rating();
                let initial = Rating::new(
                    args.initial_rating.unwrap_or(start.rating()),
                    args.initial_deviation.unwrap_or(start.deviation()),
                    args.initial_volatility.unwrap_or(start.volatility()),
                )?;
                glicko = glicko.with_initial(initial);
                if let Some(epsilon) = args.epsilon {
                    glicko = glicko.with_convergence_tolerance(epsilon)?;
                }
                if let Some(cap) = args.max_deviation {
                    glicko = glicko.with_max_deviation(cap)?;
                }
                if let Some(a) = args.advantage {
                    glicko = glicko.with_advantage(a)?;
                }
                Self::Glicko2(glicko)
            }
            AlgorithmName::WengLin => {
                let model = match args.model {
                    Some(ModelName::Bt) => WengLinModel::BradleyTerryFull,
                    Some(ModelName::Pl) | None => WengLinModel::PlackettLuce,
                };
                let mut wl = WengLin::new(model);
                if let Some(mu) = args.mu {
                    wl = wl.with_mu(mu)?;
                }
                if let Some(sigma) = args.sigma {
                    wl = wl.with_sigma(sigma)?;
                }
                if let Some(beta) = args.beta {
                    wl = wl.with_beta(beta)?;
                }
                if let Some(tau) = args.tau {
                    wl = wl.with_tau(tau)?;
                }
                if let Some(kappa) = args.kappa {
                    wl = wl.with_kappa(kappa)?;
                }
                if let Some(a) = args.advantage {
                    wl = wl.with_advantage(a)?;
                }
                Self::WengLin(wl.with_limit_sigma(args.limit_sigma))
            }
        })
    }
}

/// Fails on the first given flag that the chosen algorithm does not use.
fn reject_foreign_flags(args: &RateArgs) -> Result<(), Error> {
    use AlgorithmName::{Elo as E, Glicko2 as G, WengLin as W};
    let flags: [(&str, bool, &[AlgorithmName], &str); 13] = [
        ("--k", args.k.is_some(), &[E], ""),
        ("--scale", args.scale.is_some(), &[E], ""),
        ("--k-schedule", args.k_schedule.is_some(), &[E], ""),
        (
            "--initial-rating",
            args.initial_rating.is_some(),
            &[E, G],
            " (Weng-Lin: use --mu)",
        ),
        (
            "--initial-deviation",
            args.initial_deviation.is_some(),
            &[G],
            " (Weng-Lin: use --sigma)",
        ),
        (
            "--initial-volatility",
            args.initial_volatility.is_some(),
            &[G],
            "",
        ),
        ("--max-deviation", args.max_deviation.is_some(), &[G], ""),
        ("--epsilon", args.epsilon.is_some(), &[G], ""),
        ("--tau", args.tau.is_some(), &[G, W], ""),
        ("--mu", args.mu.is_some(), &[W], ""),
        (
            "--sigma",
            args.sigma.is_some(),
            &[W],
            " (Glicko-2: use --initial-deviation)",
        ),
        ("--beta", args.beta.is_some(), &[W], ""),
        ("--kappa", args.kappa.is_some(), &[W], ""),
    ];
    let extra = [
        ("--model", args.model.is_some(), &[W][..], ""),
        ("--limit-sigma", args.limit_sigma, &[W][..], ""),
    ];
    for (flag, given, applies, hint) in flags.iter().copied().chain(extra) {
        if given && !applies.contains(&args.algorithm) {
            let names: Vec<&str> = applies.iter().map(|a| a.as_str()).collect();
            return Err(Error::Usage(format!(
                "{flag} does not apply to {}: it is a parameter of {}{hint}",
                args.algorithm.as_str(),
                names.join(" and ")
            )));
        }
    }
    Ok(())
}
