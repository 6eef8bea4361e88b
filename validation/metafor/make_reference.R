# Reference values from R metafor for tests/test_metafor_parity.py.
# Regenerate: Rscript validation/metafor/make_reference.R > tests/fixtures/metafor_bcg.json
# (Debian: r-base-core r-cran-metafor r-cran-metadat r-cran-jsonlite; metafor 3.8-1 here.)
# RevMan 5 conventions in metafor (statistics.md §11.3): escalc(add=1/2, to="only0",
# drop00=TRUE) + rma(method="DL"); rma.mh(add=c(1/2,1/2), to=c("only0","only0"),
# drop00=c(TRUE,TRUE)), whose QE is RevMan's MH-centred Q.
suppressPackageStartupMessages({library(metafor); library(jsonlite)})
dat <- dat.bcg
out <- list(metafor_version = as.character(packageVersion("metafor")),
            data = list(study = paste(dat$author, dat$year), events_exp = dat$tpos,
                        n_exp = dat$tpos + dat$tneg, events_ctrl = dat$cpos,
                        n_ctrl = dat$cpos + dat$cneg))
for (m in c("RR", "OR", "RD")) {
  es <- escalc(measure = m, ai = tpos, bi = tneg, ci = cpos, di = cneg, data = dat,
               add = 1/2, to = "only0", drop00 = TRUE)
  dl <- rma(yi, vi, data = es, method = "DL")
  fe <- rma(yi, vi, data = es, method = "FE")
  out[[paste0("iv_", m)]] <- list(
    yi = as.numeric(es$yi), vi = as.numeric(es$vi),
    fe_estimate = as.numeric(coef(fe)), fe_se = fe$se, fe_q = fe$QE,
    dl_estimate = as.numeric(coef(dl)), dl_se = dl$se, dl_tau2 = dl$tau2, dl_q = dl$QE,
    dl_i2 = dl$I2, dl_ci_lb = dl$ci.lb, dl_ci_ub = dl$ci.ub, dl_z = as.numeric(dl$zval),
    dl_p = dl$pval, dl_qp = dl$QEp, dl_weights = as.numeric(weights(dl)))
  if (m != "RD") {
    mh <- rma.mh(ai = tpos, bi = tneg, ci = cpos, di = cneg, data = dat, measure = m,
                 add = c(1/2, 1/2), to = c("only0", "only0"), drop00 = c(TRUE, TRUE))
    out[[paste0("mh_", m)]] <- list(estimate = as.numeric(coef(mh)), se = mh$se, q = mh$QE,
                                    qp = mh$QEp, z = as.numeric(mh$zval), p = mh$pval)
  }
}
cat(toJSON(out, digits = NA, auto_unbox = TRUE, pretty = TRUE))
