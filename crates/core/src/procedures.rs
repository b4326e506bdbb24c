//! The province's administrative procedures and its on-time statistics, as
//! last pulled (content cache, with ETags): searched on the device, offline.

use cds_provincial_api::content::{DossierStats, Procedure};

use crate::{Core, Error, content};

impl Core {
    /// The procedures whose name, field or agency hold every word of `query`
    /// (accents and case ignored): those whose name holds the phrase first,
    /// then those whose name holds the words, then the rest; within each, by
    /// level (ward first), field and name. All of them for an empty query.
    pub async fn procedures(&self, query: String) -> Result<Vec<Procedure>, Error> {
        let list: Vec<Procedure> = self
            .store
            .run(|conn| content::list(conn, content::Kind::Procedures))
            .await?;
        let mut scored: Vec<(u8, Procedure)> = list
            .into_iter()
            .map(|p| {
                let name = format!("{} {}", p.name.vi, p.name.en);
                let rest = format!(
                    "{} {} {} {}",
                    p.field.vi, p.field.en, p.agency.vi, p.agency.en
                );
                (cds_domain::text::score(&name, &rest, &query), p)
            })
            .filter(|(score, _)| *score > 0)
            .collect();
        scored.sort_by(|(sa, a), (sb, b)| {
            (
                std::cmp::Reverse(*sa),
                a.level != "ward",
                &a.field.vi,
                &a.name.vi,
            )
                .cmp(&(
                    std::cmp::Reverse(*sb),
                    b.level != "ward",
                    &b.field.vi,
                    &b.name.vi,
                ))
        });
        Ok(scored.into_iter().map(|(_, p)| p).collect())
    }

    /// The on-time statistics as last pulled, if ever.
    pub async fn dossier_stats(&self) -> Result<Option<DossierStats>, Error> {
        self.store
            .run(|conn| content::object(conn, content::Kind::DossierStats))
            .await
    }
}
