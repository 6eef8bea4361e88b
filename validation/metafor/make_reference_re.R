# Reference values from R metafor for the random-effects grid tests (tests/test_metafor_grid.py
# and the parity tests that read the same fixture).
# Regenerate (about two minutes on one core):
#   Rscript validation/metafor/make_reference_re.R > tests/fixtures/metafor_reference.json
# Debian: apt-get install -y --no-install-recommends r-base-core r-cran-metafor r-cran-metadat
#         r-cran-jsonlite   (metafor 3.8-1 here). See validation/metafor/README.md.
# Output is deterministic (fixed seed, no timestamps); every number is printed with 17
# significant digits ("%.17g"), NA/NaN/Inf as null.
suppressPackageStartupMessages({
  library(metafor)
  library(metadat)
})
RNGkind("Mersenne-Twister", "Inversion", "Rejection")
options(warn = 1, na.action = "na.omit")
pdf(NULL) # baujat() draws; send it nowhere

# ---------------------------------------------------------------------------------------
# Tolerances.  rma.uni() control names (metafor 3.8-1, see metafor:::rma.uni):
#   threshold  change in tau^2 that stops Fisher scoring (REML, ML, EB) and the DLIT/SJIT
#              fixed-point iterations (default 1e-5);
#   tol        uniroot() tolerance for PM (and GENQM) (default .Machine$double.eps^0.25,
#              about 1.2e-4); also the margin of the REML/ML "ll0check";
#   maxiter    iteration cap for all of them (default 100).
# confint.rma.uni() (Q-profile) has its own control: tol (uniroot, default eps^0.25),
#   maxiter (default 1000), tau2.min, tau2.max.
# ---------------------------------------------------------------------------------------
TIGHT <- list(threshold = 1e-12, tol = 1e-13, maxiter = 1000)
# DLIT / SJIT are plain fixed-point iterations: they can converge slowly (ratio close to 1) and,
# when tau^2 is large, stall oscillating in the last few ulps, so give them more iterations and a
# threshold scaled by var(yi).
tight_iter <- function(yi) list(threshold = 1e-12 * max(1, var(yi)), tol = 1e-13,
                                maxiter = 10000)
CI_TIGHT <- list(tol = 1e-13, maxiter = 1000)
ESTIMATORS <- c("DL", "REML", "ML", "PM", "SJ", "HE", "HS", "EB", "DLIT", "SJIT")
MR_ESTIMATORS <- c("REML", "ML", "DL", "PM", "EB", "SJ", "HE", "HS")
RANDOM_ESTIMATORS <- c("DL", "REML", "ML", "PM", "EB", "SJ", "HE", "HS")

# ---------------------------------------------------------------------------------------
# Minimal JSON writer: 17 significant digits, non-finite -> null.  (jsonlite's
# toJSON(digits = I(17)) silently prints at most 15 significant digits, e.g. 1/3 as
# 0.333333333333333, so numbers are formatted here with sprintf("%.17g"); jsonlite is used
# only to escape strings.)
# A vector of length 1 is written as a scalar unless marked with A() (always an array).
# ---------------------------------------------------------------------------------------
A <- function(x) {
  if (is.null(x)) return(NULL)
  if (is.factor(x)) x <- as.character(x)
  x <- as.vector(x)
  attr(x, "jarr") <- TRUE
  x
}
json_str <- function(s) {
  out <- vapply(s, function(z) {
    if (is.na(z)) return("null")
    as.character(jsonlite::toJSON(enc2utf8(z), auto_unbox = TRUE))
  }, character(1), USE.NAMES = FALSE)
  out
}
to_json <- function(x) {
  if (is.null(x)) return("null")
  if (is.list(x) && !is.data.frame(x)) {
    nm <- names(x)
    if (is.null(nm)) {
      return(paste0("[", paste(vapply(x, to_json, character(1)), collapse = ","), "]"))
    }
    parts <- vapply(seq_along(x), function(i) paste0(json_str(nm[i]), ":", to_json(x[[i]])),
                    character(1))
    return(paste0("{", paste(parts, collapse = ","), "}"))
  }
  as_arr <- isTRUE(attr(x, "jarr"))
  if (is.factor(x)) x <- as.character(x)
  if (is.character(x)) {
    v <- json_str(x)
  } else if (is.logical(x)) {
    v <- ifelse(is.na(x), "null", ifelse(x, "true", "false"))
  } else if (is.numeric(x)) {
    x <- as.double(x)
    v <- sprintf("%.17g", x)
    v[!is.finite(x)] <- "null"
  } else {
    stop("cannot serialise object of class ", class(x)[1])
  }
  if (length(v) == 1L && !as_arr) return(v)
  paste0("[", paste(v, collapse = ","), "]")
}

# ---------------------------------------------------------------------------------------
# Run an expression, collecting warnings (muffled) and the error message, if any.
# ---------------------------------------------------------------------------------------
run <- function(expr) {
  warns <- character(0)
  err <- NA_character_
  val <- tryCatch(
    withCallingHandlers(expr, warning = function(w) {
      warns <<- c(warns, conditionMessage(w))
      invokeRestart("muffleWarning")
    }),
    error = function(e) {
      err <<- conditionMessage(e)
      NULL
    })
  list(value = val, warning = if (length(warns)) paste(unique(warns), collapse = " | ") else NA,
       error = err)
}
nulls <- function(fields) setNames(rep(list(NA), length(fields)), fields)
# evaluate f() (returning a named list); on error give nulls for `fields` plus the message
safe <- function(f, fields) {
  r <- run(f())
  out <- if (is.null(r$value)) nulls(fields) else r$value
  c(out, list(warning = r$warning, error = r$error))
}
n_warn <- 0L
n_err <- 0L
# tally for the stderr summary
tally <- function(x) {
  if (!is.null(x$warning) && !is.na(x$warning)) n_warn <<- n_warn + 1L
  if (!is.null(x$error) && !is.na(x$error)) n_err <<- n_err + 1L
  x
}

# ---------------------------------------------------------------------------------------
# Per-dataset computations
# ---------------------------------------------------------------------------------------
FIT_FIELDS <- c("tau2", "estimate", "se", "zval", "pval", "ci_lb", "ci_ub", "QE", "QEp", "I2",
                "H2", "pi_z", "pi_t_k2", "qprofile", "knha", "t", "adhoc")
TEST_FIELDS <- c("estimate", "se", "tval", "pval", "ci_lb", "ci_ub", "df", "pi")
QP_FIELDS <- c("tau2_lb", "tau2_ub", "i2_lb", "i2_ub", "h2_lb", "h2_ub", "lb_sign", "ub_sign")

# Fisher scoring (REML, ML, EB) can oscillate around the maximum (seen in the random grid near
# tau^2 = 0) or, for very large tau^2, never get the change below an absolute 1e-12.  metafor's
# documented remedy is a smaller step (stepadj) and more iterations; the reference then retries
# once with a step of 0.5 and a threshold scaled by var(yi).  The control actually used is
# recorded with every fit ("control").
retry_control <- function(yi) list(threshold = 1e-12 * max(1, var(yi)), tol = 1e-13,
                                   maxiter = 10000, stepadj = 0.5)
with_retry <- function(make, yi, method, control = TIGHT) {
  r <- tryCatch(make(control), error = function(e) e)
  if (inherits(r, "error")) {
    if (is.element(method, c("REML", "ML", "EB")) &&
        grepl("did not converge", conditionMessage(r))) {
      return(make(retry_control(yi)))
    }
    stop(conditionMessage(r), call. = FALSE)
  }
  r
}

fit_uni <- function(yi, vi, method, test = "z") {
  if (is.element(method, c("FE", "EE", "CE"))) return(rma(yi, vi, method = method, test = test))
  control <- if (is.element(method, c("DLIT", "SJIT"))) tight_iter(yi) else TIGHT
  # PM's uniroot() searches [0, tau2.max] with tau2.max = max(100, 10 * mad(yi)^2) by default,
  # too low for a gross outlier; k * range(yi)^2 always brackets the root.
  if (method == "PM") control$tau2.max <- max(100, length(yi) * diff(range(yi))^2)
  with_retry(function(ctl) rma(yi, vi, method = method, test = test, control = ctl), yi, method,
             control)
}

qprofile <- function(fit) {
  # metafor searches the upper bound only up to max(100, 10 * tau2) and otherwise reports that
  # limit (ub.sign ">"); raise the limit so that the bound is the actual root.
  ci <- confint(fit, control = c(CI_TIGHT, list(tau2.max = max(1e6, 100 * fit$tau2))))
  r <- ci$random
  list(tau2_lb = r["tau^2", "ci.lb"], tau2_ub = r["tau^2", "ci.ub"],
       i2_lb = r["I^2(%)", "ci.lb"], i2_ub = r["I^2(%)", "ci.ub"],
       h2_lb = r["H^2", "ci.lb"], h2_ub = r["H^2", "ci.ub"],
       lb_sign = ci$lb.sign, ub_sign = ci$ub.sign)
}

test_refit <- function(yi, vi, method, test) {
  safe(function() {
    f <- fit_uni(yi, vi, method, test = test)
    p <- predict(f)
    list(estimate = c(f$beta), se = f$se, tval = f$zval, pval = f$pval, ci_lb = f$ci.lb,
         ci_ub = f$ci.ub, df = f$ddf, pi = A(c(p$pi.lb, p$pi.ub)))
  }, TEST_FIELDS)
}

one_fit <- function(yi, vi, method) {
  k <- length(yi)
  r <- run(fit_uni(yi, vi, method))
  if (is.null(r$value)) {
    out <- nulls(FIT_FIELDS)
    out$converged <- FALSE
    return(tally(c(out, list(warning = r$warning, error = r$error))))
  }
  f <- r$value
  p <- predict(f)
  s <- sqrt(f$tau2 + f$se^2)
  out <- list(tau2 = f$tau2, estimate = c(f$beta), se = f$se, zval = f$zval, pval = f$pval,
              ci_lb = f$ci.lb, ci_ub = f$ci.ub, QE = f$QE, QEp = f$QEp, I2 = f$I2, H2 = f$H2,
              pi_z = A(c(p$pi.lb, p$pi.ub)),
              pi_t_k2 = if (k >= 3) A(c(f$beta) + c(-1, 1) * qt(0.975, k - 2) * s) else NA,
              control = f$control)
  out$qprofile <- tally(safe(function() qprofile(f), QP_FIELDS))
  out$knha <- tally(test_refit(yi, vi, method, "knha"))
  out$t <- tally(test_refit(yi, vi, method, "t"))
  out$adhoc <- tally(test_refit(yi, vi, method, "adhoc"))
  out$converged <- TRUE
  tally(c(out, list(warning = r$warning, error = r$error)))
}

INFL_FIELDS <- c("rstudent", "dffits", "cook_d", "cov_r", "tau2_del", "QE_del", "hat", "weight",
                 "dfbs")
influence_of <- function(fit) {
  safe(function() {
    i <- influence(fit)
    list(rstudent = A(i$inf$rstudent), dffits = A(i$inf$dffits), cook_d = A(i$inf$cook.d),
         cov_r = A(i$inf$cov.r), tau2_del = A(i$inf$tau2.del), QE_del = A(i$inf$QE.del),
         hat = A(i$inf$hat), weight = A(i$inf$weight), dfbs = A(i$dfbs$intrcpt))
  }, INFL_FIELDS)
}

L1O_FIELDS <- c("estimate", "se", "zval", "pval", "ci_lb", "ci_ub", "Q", "Qp", "tau2", "I2", "H2")
leave1out_of <- function(fit) {
  safe(function() {
    l <- leave1out(fit)
    list(estimate = A(l$estimate), se = A(l$se), zval = A(l$zval), pval = A(l$pval),
         ci_lb = A(l$ci.lb), ci_ub = A(l$ci.ub), Q = A(l$Q), Qp = A(l$Qp),
         tau2 = if (is.null(l$tau2)) NA else A(l$tau2), I2 = A(l$I2), H2 = A(l$H2))
  }, L1O_FIELDS)
}

CUMUL_FIELDS <- c("estimate", "se", "zval", "pval", "ci_lb", "ci_ub", "tau2", "I2", "H2", "Q",
                  "Qp")
cumul_of <- function(fit, ord) {
  # cumul() in metafor 3.8 sorts by the values given in 'order' (it calls order() on them), so
  # pass the rank of each study in the wanted permutation.
  rk <- integer(length(ord))
  rk[ord] <- seq_along(ord)
  safe(function() {
    cm <- do.call(cumul, list(fit, order = rk)) # (cumul() looks 'order' up by name)
    list(estimate = A(cm$estimate), se = A(cm$se), zval = A(cm$zval), pval = A(cm$pvals),
         ci_lb = A(cm$ci.lb), ci_ub = A(cm$ci.ub), tau2 = A(cm$tau2), I2 = A(cm$I2),
         H2 = A(cm$H2), Q = A(cm$Q), Qp = A(cm$Qp))
  }, CUMUL_FIELDS)
}

baujat_of <- function(fit) {
  safe(function() {
    b <- baujat(fit)
    list(x = A(b$x), y = A(b$y))
  }, c("x", "y"))
}

TF_FIELDS <- c("k0", "se_k0", "side", "estimate", "se", "zval", "pval", "ci_lb", "ci_ub", "tau2",
               "QE", "filled_yi", "filled_vi")
trimfill_of <- function(fit, estimator, side = NULL, ...) {
  safe(function() {
    tf <- if (is.null(side)) trimfill(fit, estimator = estimator, ...)
          else trimfill(fit, side = side, estimator = estimator, ...)
    list(k0 = tf$k0, se_k0 = tf$se.k0, side = tf$side, estimate = c(tf$beta), se = tf$se,
         zval = tf$zval, pval = tf$pval, ci_lb = tf$ci.lb, ci_ub = tf$ci.ub, tau2 = tf$tau2,
         QE = tf$QE, filled_yi = A(tf$yi[tf$fill]), filled_vi = A(tf$vi[tf$fill]))
  }, TF_FIELDS)
}

lm_coef <- function(fit, row) {
  cf <- summary(fit)$coefficients
  if (!(row %in% rownames(cf))) return(list(est = NA, se = NA, tval = NA, pval = NA,
                                            df = fit$df.residual))
  list(est = cf[row, 1], se = cf[row, 2], tval = cf[row, 3], pval = cf[row, 4],
       df = fit$df.residual)
}

peters_test <- function(yi, ai, bi, ci, di) {
  safe(function() {
    ni <- ai + bi + ci + di
    w <- 1 / (1 / (ai + ci) + 1 / (bi + di))
    x <- 1 / ni
    lm_coef(lm(yi ~ x, weights = w), "x")
  }, c("est", "se", "tval", "pval", "df"))
}

harbord_test <- function(ai, bi, ci, di) {
  safe(function() {
    ai <- as.double(ai); bi <- as.double(bi); ci <- as.double(ci); di <- as.double(di)
    N <- ai + bi + ci + di
    Z <- ai - (ai + bi) * (ai + ci) / N
    V <- (ai + bi) * (ci + di) * (ai + ci) * (bi + di) / (N^2 * (N - 1))
    use <- which(V > 0)
    z <- Z[use] / sqrt(V[use])
    s <- sqrt(V[use])
    c(lm_coef(lm(z ~ s), "(Intercept)"), list(rows = A(use)))
  }, c("est", "se", "tval", "pval", "df", "rows"))
}

MR_FIELDS <- c("colnames", "beta", "se", "zval", "pval", "ci_lb", "ci_ub", "QM", "QMp", "QMdf",
               "QE", "QEp", "tau2", "I2", "H2", "R2", "knha")
MR_KNHA_FIELDS <- c("beta", "se", "tval", "pval", "ci_lb", "ci_ub", "QM", "QMp", "QMdf", "df")
metareg_fit <- function(formula, data, method) {
  r <- run(with_retry(function(ctl) rma(yi, vi, mods = formula, data = data, method = method,
                                         control = ctl), yi, method))
  if (is.null(r$value)) {
    return(tally(c(nulls(MR_FIELDS), list(warning = r$warning, error = r$error))))
  }
  f <- r$value
  out <- list(colnames = A(rownames(f$beta)), beta = A(f$beta), se = A(f$se), zval = A(f$zval),
              pval = A(f$pval), ci_lb = A(f$ci.lb), ci_ub = A(f$ci.ub), QM = f$QM, QMp = f$QMp,
              QMdf = A(f$QMdf), QE = f$QE, QEp = f$QEp, tau2 = f$tau2, I2 = f$I2, H2 = f$H2,
              R2 = if (is.null(f$R2)) NA else f$R2, control = f$control)
  out$knha <- tally(safe(function() {
    g <- with_retry(function(ctl) rma(yi, vi, mods = formula, data = data, method = method,
                                      test = "knha", control = ctl), yi, method)
    list(beta = A(g$beta), se = A(g$se), tval = A(g$zval), pval = A(g$pval),
         ci_lb = A(g$ci.lb), ci_ub = A(g$ci.ub), QM = g$QM, QMp = g$QMp, QMdf = A(g$QMdf),
         df = g$ddf)
  }, MR_KNHA_FIELDS))
  tally(c(out, list(warning = r$warning, error = r$error)))
}

analyse <- function(spec) {
  yi <- as.numeric(spec$yi)
  vi <- as.numeric(spec$vi)
  keep <- !is.na(yi) & !is.na(vi)
  yi <- yi[keep]
  vi <- vi[keep]
  k <- length(yi)
  sub <- function(x) if (is.null(x)) NULL else x[keep]
  ai <- sub(spec$ai); bi <- sub(spec$bi); ci <- sub(spec$ci); di <- sub(spec$di)
  ni <- sub(spec$ni)
  year <- sub(spec$year)
  binary <- spec$category == "binary"
  if (binary) ni <- ai + bi + ci + di
  ord <- if (is.null(year)) seq_len(k) else order(year, seq_len(k))

  out <- list(category = spec$category, source = spec$source, measure = spec$measure, k = k,
              yi = A(yi), vi = A(vi))
  if (binary) {
    out$ai <- A(ai); out$bi <- A(bi); out$ci <- A(ci); out$di <- A(di)
  }
  if (!is.null(ni)) out$ni <- A(ni)
  if (!is.null(year)) {
    out$year <- A(year)
    out$order <- A(ord)
  }

  fe <- rma(yi, vi, method = "FE")
  out$fe <- list(estimate = c(fe$beta), se = fe$se, zval = fe$zval, pval = fe$pval,
                 ci_lb = fe$ci.lb, ci_ub = fe$ci.ub, QE = fe$QE, QEp = fe$QEp)

  out$fits <- setNames(lapply(ESTIMATORS, function(m) one_fit(yi, vi, m)), ESTIMATORS)

  dl <- fit_uni(yi, vi, "DL")
  reml <- run(fit_uni(yi, vi, "REML"))$value
  models <- list(FE = fe, DL = dl, REML = reml)
  err_section <- function(fields) c(nulls(fields), list(warning = NA,
                                                          error = "REML fit failed"))

  out$influence <- lapply(models[c("DL", "REML")], function(f)
    if (is.null(f)) err_section(INFL_FIELDS) else tally(influence_of(f)))
  out$leave1out <- lapply(models, function(f)
    if (is.null(f)) err_section(L1O_FIELDS) else tally(leave1out_of(f)))
  out$cumul <- lapply(models[c("DL", "REML")], function(f)
    if (is.null(f)) err_section(CUMUL_FIELDS) else tally(cumul_of(f, ord)))
  out$baujat <- lapply(models[c("FE", "DL")], function(f) tally(baujat_of(f)))

  out$regtest <- tally(safe(function() {
    r <- regtest(fe, model = "lm", predictor = "sei")
    list(zval = r$zval, pval = r$pval, dfs = r$dfs, est = c(r$est), ci_lb = r$ci.lb,
         ci_ub = r$ci.ub)
  }, c("zval", "pval", "dfs", "est", "ci_lb", "ci_ub")))
  out$regtest_rma <- tally(safe(function() {
    if (is.null(reml)) stop("REML fit failed")
    r <- regtest(reml)
    list(zval = r$zval, pval = r$pval, est = c(r$est), ci_lb = r$ci.lb, ci_ub = r$ci.ub,
         tau2 = r$fit$tau2)
  }, c("zval", "pval", "est", "ci_lb", "ci_ub", "tau2")))
  out$ranktest <- tally(safe(function() {
    r <- ranktest(fe)
    list(tau = unname(r$tau), pval = r$pval)
  }, c("tau", "pval")))

  tf <- list()
  for (mn in c("FE", "DL", "REML")) {
    f <- models[[mn]]
    tf[[mn]] <- list()
    for (est in c("L0", "R0")) {
      tf[[mn]][[est]] <- if (is.null(f)) err_section(TF_FIELDS) else
        tally(if (mn == "REML") trimfill_of(f, est, control = f$control) else trimfill_of(f, est))
    }
  }
  tf$FE$L0_left <- tally(trimfill_of(fe, "L0", side = "left"))
  tf$FE$L0_right <- tally(trimfill_of(fe, "L0", side = "right"))
  out$trimfill <- tf

  out$fsn <- list(
    rosenthal = tally(safe(function() {
      r <- fsn(yi, vi, type = "Rosenthal")
      list(fsnum = r$fsnum, alpha = r$alpha, pval = r$pval)
    }, c("fsnum", "alpha", "pval"))),
    orwin = tally(safe(function() {
      r <- fsn(yi, vi, type = "Orwin")
      list(fsnum = r$fsnum, target = r$target, meanes = r$meanes)
    }, c("fsnum", "target", "meanes"))),
    orwin_target_0.1 = tally(safe(function() {
      r <- fsn(yi, vi, type = "Orwin", target = 0.1)
      list(fsnum = r$fsnum, target = r$target, meanes = r$meanes)
    }, c("fsnum", "target", "meanes"))))

  if (binary) {
    out$peters <- tally(peters_test(yi, ai, bi, ci, di))
    out$harbord <- tally(harbord_test(ai, bi, ci, di))
  }

  if (!is.null(spec$mods)) {
    mods <- lapply(spec$mods, function(v) v[keep])
    out$mods <- lapply(mods, function(v) A(if (is.numeric(v)) v else as.character(v)))
    d <- data.frame(yi = yi, vi = vi, stringsAsFactors = FALSE)
    for (nm in names(mods)) d[[nm]] <- if (is.numeric(mods[[nm]])) mods[[nm]] else
      as.character(mods[[nm]])
    out$metareg <- lapply(spec$models, function(fs) {
      fo <- as.formula(fs)
      c(list(formula = fs), setNames(lapply(MR_ESTIMATORS, function(m) metareg_fit(fo, d, m)),
                                     MR_ESTIMATORS))
    })
    if (!is.null(spec$subgroup)) {
      fs <- paste0("~ factor(", spec$subgroup, ") - 1")
      out$subgroup_common_tau2 <- c(list(moderator = spec$subgroup, formula = fs),
                                    metareg_fit(as.formula(fs), d, "REML"))
    }
  }
  out
}

# ---------------------------------------------------------------------------------------
# Dataset specifications
# ---------------------------------------------------------------------------------------
bin_spec <- function(src, measure, ai, bi, ci, di, year = NULL, rows = NULL, extra = list()) {
  if (!is.null(rows)) {
    ai <- ai[rows]; bi <- bi[rows]; ci <- ci[rows]; di <- di[rows]
    if (!is.null(year)) year <- year[rows]
  }
  es <- escalc(measure = measure, ai = ai, bi = bi, ci = ci, di = di, add = 1/2, to = "only0",
               drop00 = TRUE)
  c(list(category = "binary", source = paste0(src, "; escalc ", measure,
                                              " (add=1/2, to=\"only0\", drop00=TRUE)"),
         measure = measure, yi = es$yi, vi = es$vi, ai = ai, bi = bi, ci = ci, di = di,
         year = year), extra)
}
gen_spec <- function(category, src, measure, es, ni = NULL, year = NULL, extra = list()) {
  c(list(category = category, source = src, measure = measure, yi = es$yi, vi = es$vi, ni = ni,
         year = year), extra)
}

specs <- list()
b <- dat.bcg
bcg_mods <- list(mods = list(ablat = b$ablat, alloc = b$alloc),
                 models = list(ablat = "~ ablat", alloc = "~ factor(alloc)",
                               `ablat+alloc` = "~ ablat + factor(alloc)"),
                 subgroup = "alloc")
specs$bcg_RR <- bin_spec("metadat::dat.bcg", "RR", b$tpos, b$tneg, b$cpos, b$cneg, b$year,
                         extra = bcg_mods)
specs$bcg_OR <- bin_spec("metadat::dat.bcg", "OR", b$tpos, b$tneg, b$cpos, b$cneg, b$year)
specs$bcg_RD <- bin_spec("metadat::dat.bcg", "RD", b$tpos, b$tneg, b$cpos, b$cneg, b$year)
specs$bcg_RR_first2 <- bin_spec("metadat::dat.bcg rows 1:2", "RR", b$tpos, b$tneg, b$cpos,
                                b$cneg, b$year, rows = 1:2)
d <- dat.hine1989
specs$hine1989_RD <- bin_spec("metadat::dat.hine1989", "RD", d$ai, d$n1i - d$ai, d$ci,
                              d$n2i - d$ci)
specs$hine1989_OR <- bin_spec("metadat::dat.hine1989", "OR", d$ai, d$n1i - d$ai, d$ci,
                              d$n2i - d$ci)
d <- dat.hahn2001
specs$hahn2001_OR <- bin_spec("metadat::dat.hahn2001", "OR", d$ai, d$n1i - d$ai, d$ci,
                              d$n2i - d$ci)
d <- dat.cannon2006
specs$cannon2006_OR <- bin_spec("metadat::dat.cannon2006 (ep1)", "OR", d$ep1t, d$nt - d$ep1t,
                                d$ep1c, d$nc - d$ep1c)
d <- dat.axfors2021
specs$axfors2021_OR <- bin_spec("metadat::dat.axfors2021", "OR", d$hcq_arm_event,
                                d$hcq_arm_total - d$hcq_arm_event, d$control_arm_event,
                                d$control_arm_total - d$control_arm_event)
d <- dat.yusuf1985[dat.yusuf1985$table == "6", ]
specs$yusuf1985_t6_OR <- bin_spec("metadat::dat.yusuf1985 table 6", "OR", d$ai, d$n1i - d$ai,
                                  d$ci, d$n2i - d$ci)
d <- dat.yusuf1985[dat.yusuf1985$table == "11", ]
specs$yusuf1985_t11_OR <- bin_spec("metadat::dat.yusuf1985 table 11", "OR", d$ai, d$n1i - d$ai,
                                   d$ci, d$n2i - d$ci)
d <- dat.li2007
specs$li2007_OR <- bin_spec("metadat::dat.li2007", "OR", d$ai, d$n1i - d$ai, d$ci, d$n2i - d$ci,
                            d$year)
d <- dat.nielweise2007
specs$nielweise2007_OR <- bin_spec("metadat::dat.nielweise2007", "OR", d$ai, d$n1i - d$ai, d$ci,
                                   d$n2i - d$ci, d$year)
d <- dat.egger2001
specs$egger2001_OR <- bin_spec("metadat::dat.egger2001", "OR", d$ai, d$n1i - d$ai, d$ci,
                               d$n2i - d$ci, d$year)
d <- dat.lee2004
specs$lee2004_RR <- bin_spec("metadat::dat.lee2004", "RR", d$ai, d$n1i - d$ai, d$ci, d$n2i - d$ci,
                             d$year)
d <- dat.anand1999
specs$anand1999_OR <- bin_spec("metadat::dat.anand1999", "OR", d$ai, d$n1i - d$ai, d$ci,
                               d$n2i - d$ci, d$year)
d <- dat.lau1992
specs$lau1992_OR <- bin_spec("metadat::dat.lau1992", "OR", d$ai, d$n1i - d$ai, d$ci, d$n2i - d$ci,
                             d$year)
d <- dat.linde2005
specs$linde2005_RR <- bin_spec("metadat::dat.linde2005", "RR", d$ai, d$n1i - d$ai, d$ci,
                               d$n2i - d$ci, d$year)
d <- dat.graves2010
specs$graves2010_RR <- bin_spec("metadat::dat.graves2010", "RR", d$ai, d$n1i - d$ai, d$ci,
                                d$n2i - d$ci)
d <- dat.laopaiboon2015
specs$laopaiboon2015_RR <- bin_spec("metadat::dat.laopaiboon2015", "RR", d$ai, d$n1i - d$ai, d$ci,
                                    d$n2i - d$ci, d$year)
d <- dat.damico2009
specs$damico2009_OR <- bin_spec("metadat::dat.damico2009", "OR", d$xt, d$nt - d$xt, d$xc,
                                d$nc - d$xc, d$year)
d <- dat.collins1985b
specs$collins1985b_OR <- bin_spec("metadat::dat.collins1985b (pre-eclampsia)", "OR", d$pre.xti,
                                  d$pre.nti - d$pre.xti, d$pre.xci, d$pre.nci - d$pre.xci, d$year)
d <- dat.dorn2007
specs$dorn2007_RR <- bin_spec("metadat::dat.dorn2007", "RR", d$x.a, d$n.a - d$x.a, d$x.p,
                              d$n.p - d$x.p, d$year)
d <- dat.vanhowe1999
specs$vanhowe1999_OR <- bin_spec("metadat::dat.vanhowe1999", "OR", d$non.pos, d$non.neg,
                                 d$cir.pos, d$cir.neg)
d <- dat.hartmannboyce2018
specs$hartmannboyce2018_RR <- bin_spec("metadat::dat.hartmannboyce2018", "RR", d$x.nrt,
                                       d$n.nrt - d$x.nrt, d$x.ctrl, d$n.ctrl - d$x.ctrl)

# continuous
d <- dat.normand1999
es <- escalc("MD", m1i = m1i, sd1i = sd1i, n1i = n1i, m2i = m2i, sd2i = sd2i, n2i = n2i, data = d)
specs$normand1999_MD <- gen_spec("continuous", "metadat::dat.normand1999; escalc MD", "MD", es,
                                 ni = d$n1i + d$n2i)
es3 <- es[1:3, ]
specs$normand1999_MD_first3 <- gen_spec("continuous",
                                        "metadat::dat.normand1999 rows 1:3; escalc MD", "MD",
                                        es3, ni = (d$n1i + d$n2i)[1:3])
es <- escalc("SMD", m1i = m1i, sd1i = sd1i, n1i = n1i, m2i = m2i, sd2i = sd2i, n2i = n2i, data = d)
specs$normand1999_SMD <- gen_spec("continuous", "metadat::dat.normand1999; escalc SMD", "SMD", es,
                                  ni = d$n1i + d$n2i)
d <- dat.curtis1998
es <- escalc("ROM", m1i = m1i, sd1i = sd1i, n1i = n1i, m2i = m2i, sd2i = sd2i, n2i = n2i, data = d)
specs$curtis1998_ROM <- gen_spec("continuous", "metadat::dat.curtis1998; escalc ROM", "ROM", es,
                                 ni = d$n1i + d$n2i)
d <- dat.gibson2002
es <- escalc("SMD", m1i = m1i, sd1i = sd1i, n1i = n1i, m2i = m2i, sd2i = sd2i, n2i = n2i, data = d)
specs$gibson2002_SMD <- gen_spec("continuous",
                                 "metadat::dat.gibson2002; escalc SMD (rows without means dropped)",
                                 "SMD", es, ni = d$n1i + d$n2i, year = d$year)
d <- dat.franchini2012
es <- escalc("MD", m1i = y1, sd1i = sd1, n1i = n1, m2i = y2, sd2i = sd2, n2i = n2, data = d)
specs$franchini2012_MD <- gen_spec("continuous",
                                   "metadat::dat.franchini2012 (arm 1 vs arm 2); escalc MD", "MD",
                                   es, ni = d$n1 + d$n2)

# correlations
d <- dat.mcdaniel1994
es <- escalc("ZCOR", ri = ri, ni = ni, data = d)
specs$mcdaniel1994_ZCOR <- gen_spec("correlation", "metadat::dat.mcdaniel1994; escalc ZCOR",
                                    "ZCOR", es, ni = d$ni)
d <- dat.molloy2014
es <- escalc("ZCOR", ri = ri, ni = ni, data = d)
specs$molloy2014_ZCOR <- gen_spec("correlation", "metadat::dat.molloy2014; escalc ZCOR", "ZCOR",
                                  es, ni = d$ni, year = d$year)
d <- dat.cohen1981
es <- escalc("ZCOR", ri = ri, ni = ni, data = d)
specs$cohen1981_ZCOR <- gen_spec("correlation", "metadat::dat.cohen1981; escalc ZCOR", "ZCOR",
                                 es, ni = d$ni)
d <- dat.craft2003
es <- escalc("ZCOR", ri = ri, ni = ni, data = d)
specs$craft2003_ZCOR <- gen_spec("correlation", "metadat::dat.craft2003; escalc ZCOR", "ZCOR", es,
                                 ni = d$ni)

# proportions
d <- dat.pritz1997
es <- escalc("PLO", xi = xi, ni = ni, data = d, add = 1/2, to = "only0")
specs$pritz1997_PLO <- gen_spec("proportion",
                                "metadat::dat.pritz1997; escalc PLO (add=1/2, to=\"only0\")",
                                "PLO", es, ni = d$ni)
es <- escalc("PR", xi = xi, ni = ni, data = d, add = 1/2, to = "only0")
specs$pritz1997_PR <- gen_spec("proportion",
                               "metadat::dat.pritz1997; escalc PR (add=1/2, to=\"only0\")",
                               "PR", es, ni = d$ni)
d <- dat.debruin2009
es <- escalc("PLO", xi = xi, ni = ni, data = d, add = 1/2, to = "only0")
specs$debruin2009_PLO <- gen_spec("proportion", "metadat::dat.debruin2009; escalc PLO", "PLO", es,
                                  ni = d$ni, year = d$year)
d <- dat.hannum2020
es <- escalc("PLO", xi = xi, ni = ni, data = d, add = 1/2, to = "only0")
specs$hannum2020_PLO <- gen_spec("proportion", "metadat::dat.hannum2020; escalc PLO", "PLO", es,
                                 ni = d$ni)

# precomputed yi / vi
d <- dat.raudenbush1985
specs$raudenbush1985 <- gen_spec(
  "generic", "metadat::dat.raudenbush1985 (yi, vi as given)", "SMD", d, ni = d$n1i + d$n2i,
  year = d$year,
  extra = list(mods = list(weeks = d$weeks, tester = d$tester),
               models = list(weeks = "~ weeks", tester = "~ factor(tester)",
                             `weeks+tester` = "~ weeks + factor(tester)"),
               subgroup = "tester"))
d <- dat.bangertdrowns2004
specs$bangertdrowns2004 <- gen_spec(
  "generic", "metadat::dat.bangertdrowns2004 (yi, vi as given)", "SMD", d, ni = d$ni,
  year = d$year,
  extra = list(mods = list(year = d$year, grade = as.character(d$grade)),
               models = list(year = "~ year", grade = "~ factor(grade)",
                             `year+grade` = "~ year + factor(grade)"),
               subgroup = "grade"))
d <- dat.hackshaw1998
specs$hackshaw1998 <- gen_spec("generic", "metadat::dat.hackshaw1998 (yi, vi as given)", "OR", d,
                               year = d$year)
d <- dat.konstantopoulos2011
specs$konstantopoulos2011 <- gen_spec("generic",
                                      "metadat::dat.konstantopoulos2011 (yi, vi as given)", "SMD",
                                      d, year = d$year)

datasets <- list()
for (nm in names(specs)) {
  message("dataset ", nm)
  datasets[[nm]] <- analyse(specs[[nm]])
}

# ---------------------------------------------------------------------------------------
# Random analyses
# ---------------------------------------------------------------------------------------
default_fit <- function(yi, vi, method) {
  r <- run(rma(yi, vi, method = method))
  f <- r$value
  tally(list(tau2 = if (is.null(f)) NA else f$tau2, estimate = if (is.null(f)) NA else c(f$beta),
             se = if (is.null(f)) NA else f$se, converged = !is.null(f), warning = r$warning,
             error = r$error))
}

random_analysis <- function(id, yi, vi, true_tau2, mu, hard = NA) {
  k <- length(yi)
  fits <- setNames(lapply(RANDOM_ESTIMATORS, function(m) default_fit(yi, vi, m)),
                   RANDOM_ESTIMATORS)
  # tightened fits of the iterative estimators (the brief asks for REML; ML, PM and EB are
  # added because metafor's defaults can stop early without any warning)
  for (m in c("ML", "PM", "EB", "REML")) {
    r <- run(fit_uni(yi, vi, m))
    f <- r$value
    fits[[m]]$tau2_tight <- if (is.null(f)) NA else f$tau2
    fits[[m]]$estimate_tight <- if (is.null(f)) NA else c(f$beta)
    fits[[m]]$se_tight <- if (is.null(f)) NA else f$se
    fits[[m]]$control_tight <- if (is.null(f)) NA else f$control
    fits[[m]]$warning_tight <- r$warning
    fits[[m]]$error_tight <- r$error
    tally(list(warning = r$warning, error = r$error))
  }
  fits$REML$qprofile <- if (is.null(f)) c(nulls(QP_FIELDS), list(warning = NA,
                                                                  error = "REML fit failed"))
                        else tally(safe(function() qprofile(f), QP_FIELDS))
  fits$REML$knha <- tally(safe(function() {
    g <- fit_uni(yi, vi, "REML", test = "knha")
    list(ci_lb = g$ci.lb, ci_ub = g$ci.ub)
  }, c("ci_lb", "ci_ub")))
  list(kind = "grid", id = id, hard = hard, k = k, true_tau2 = true_tau2, mu = mu, yi = A(yi),
       vi = A(vi), fits = fits)
}

set.seed(20261124)
random <- list()
K_CHOICES <- c(2, 3, 5, 10, 10, 10, 20, 40, 70)
TAU2_CHOICES <- c(0, 0, 0.02, 0.1, 0.5)
N_REGULAR <- 250
for (i in seq_len(N_REGULAR)) {
  k <- K_CHOICES[sample.int(length(K_CHOICES), 1)]
  t2 <- TAU2_CHOICES[sample.int(length(TAU2_CHOICES), 1)]
  mu <- rnorm(1, 0, 0.5)
  vi <- runif(k, 0.01, 0.5)
  yi <- rnorm(k, mu, sqrt(vi + t2))
  random[[length(random) + 1]] <- random_analysis(length(random), yi, vi, t2, mu)
}
hard <- function(label, yi, vi, t2 = NA, mu = NA) {
  random[[length(random) + 1]] <<- random_analysis(length(random), yi, vi, t2, mu, hard = label)
}
# 10: k = 10, nine tiny variances and one huge one
for (j in 1:10) {
  vi <- c(rep(1e-4, 9), 10)[sample.int(10)]
  t2 <- c(0, 0.01, 0.1, 1, 0)[(j - 1) %% 5 + 1]
  mu <- rnorm(1, 0, 0.5)
  hard("k10_tiny_vi_one_huge", rnorm(10, mu, sqrt(vi + t2)), vi, t2, mu)
}
# 5: extreme variance ratio (>= 1e7, metafor warns)
for (j in 1:5) {
  vi <- 10^seq(-6, 2, length.out = 10)[sample.int(10)]
  mu <- rnorm(1, 0, 0.5)
  hard("k10_vi_ratio_1e8", rnorm(10, mu, sqrt(vi + 0.05)), vi, 0.05, mu)
}
# 3: all estimates identical (Q = 0)
for (kk in c(2, 5, 10)) hard("identical_yi", rep(0.3, kk), runif(kk, 0.01, 0.5), 0, 0.3)
# 3: one gross outlier (huge tau^2)
for (j in 1:3) {
  vi <- runif(10, 0.01, 0.5)
  yi <- rnorm(10, 0, sqrt(vi))
  yi[1] <- c(50, 300, 1000)[j]
  hard("gross_outlier", yi, vi, NA, 0)
}
# 3: k = 2, far apart with small variances
for (j in 1:3) hard("k2_far_apart", c(-1, 1) * c(0.5, 2, 5)[j], c(0.01, 0.02), NA, 0)
# 3: k = 3, nearly identical estimates
for (j in 1:3) hard("k3_near_identical", 0.2 + c(0, 1e-8, -1e-8) * j, c(0.05, 0.1, 0.2), 0, 0.2)
# 4: k = 70, tiny true tau^2 (near the boundary)
for (j in 1:4) {
  vi <- runif(70, 0.01, 0.5)
  mu <- rnorm(1, 0, 0.5)
  hard("k70_tiny_tau2", rnorm(70, mu, sqrt(vi + 0.001)), vi, 0.001, mu)
}
# 2: equal variances, exactly homogeneous by construction of Q < k - 1
for (j in 1:2) {
  vi <- rep(0.1, 10)
  yi <- 0.1 + sqrt(0.1) * 0.3 * c(-2, -1, 0, 1, 2, -2, -1, 0, 1, 2) / j
  hard("k10_equal_vi_homogeneous", yi, vi, 0, 0.1)
}

# bench_engine.py-style analyses (k = 10), metafor default REML only
for (i in seq_len(300)) {
  se <- runif(10, 0.1, 0.6)
  truth <- rnorm(1, 0, 0.3)
  yi <- truth + rnorm(10) * sqrt(se^2 + 0.04)
  random[[length(random) + 1]] <- list(kind = "bench", id = length(random), k = 10L,
                                       yi = A(yi), vi = A(se^2),
                                       fits = list(REML = default_fit(yi, se^2, "REML")))
}

# ---------------------------------------------------------------------------------------
# Output (one dataset / analysis per line)
# ---------------------------------------------------------------------------------------
ds_lines <- vapply(names(datasets), function(nm) paste0(json_str(nm), ":", to_json(datasets[[nm]])),
                   character(1))
rn_lines <- vapply(random, to_json, character(1))
cat("{\"metafor_version\":", json_str(as.character(packageVersion("metafor"))),
    ",\"r_version\":", json_str(R.version.string),
    ",\n\"datasets\":{\n", paste(ds_lines, collapse = ",\n"),
    "},\n\"random\":[\n", paste(rn_lines, collapse = ",\n"), "]}\n", sep = "")
message("done: ", length(datasets), " datasets, ", length(random), " random analyses; ",
        n_warn, " results with warnings, ", n_err, " with errors")
