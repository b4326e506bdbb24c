//! The province's areas on the device (pulled GeoJSON, else the bundled
//! default), parsed once and cached; where a point falls.

use std::sync::{
    Arc, Mutex, PoisonError,
    atomic::{AtomicU64, Ordering},
};

use cds_domain::{
    geo::{Areas, Placement},
    report::{Field, Invalid, Rule},
};

use crate::{Core, Error, content};

/// The parsed areas, until a pull replaces them.
#[derive(Default)]
pub(crate) struct Cache {
    parsed: Mutex<Option<Arc<Areas>>>,
    /// Bumped whenever new areas are stored (a parse of older ones is not cached).
    generation: AtomicU64,
}

impl Cache {
    /// New areas were stored: forget the parsed ones.
    pub(crate) fn invalidate(&self) {
        self.generation.fetch_add(1, Ordering::SeqCst);
        *self.parsed.lock().unwrap_or_else(PoisonError::into_inner) = None;
    }
}

impl Core {
    /// The province's areas: the last pulled from the API, else the bundled
    /// default. Parsed once and kept until a pull brings new ones.
    pub async fn areas(&self) -> Result<Arc<Areas>, Error> {
        if let Some(areas) = self
            .areas
            .parsed
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
        {
            return Ok(areas);
        }
        let generation = self.areas.generation.load(Ordering::SeqCst);
        let stored = self
            .store
            .call(|conn| content::stored_body(conn, content::Kind::Areas))
            .await?;
        let areas = tokio::task::spawn_blocking(move || {
            let parsed = stored
                .as_deref()
                .and_then(|body| std::str::from_utf8(body).ok())
                .and_then(|text| Areas::from_geojson(text).ok());
            match parsed {
                Some(areas) => Ok(areas),
                None => Areas::from_geojson(content::BUNDLED_AREAS),
            }
        })
        .await
        .map_err(|err| Error::Internal(err.to_string()))?
        .map_err(|err| Error::Internal(format!("bundled areas: {err}")))?;
        let areas = Arc::new(areas);
        // Kept only if no newer areas arrived while these were parsed.
        let mut cache = self
            .areas
            .parsed
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if self.areas.generation.load(Ordering::SeqCst) == generation {
            *cache = Some(areas.clone());
        }
        Ok(areas)
    }

    /// Where a point falls: ward, inside the province, distance to the nearest
    /// boundary. A point that is not a coordinate is `Invalid`.
    pub async fn locate(&self, lat: f64, lon: f64) -> Result<Placement, Error> {
        let areas = self.areas().await?;
        areas.locate(lat, lon).ok_or(Error::Invalid(Invalid {
            field: Field::Location,
            rule: Rule::OutOfRange,
        }))
    }

    pub(crate) async fn inside_province(&self, lat: f64, lon: f64) -> bool {
        self.locate(lat, lon)
            .await
            .is_ok_and(|placement| placement.inside_province)
    }

    /// Refuses a report location outside the province.
    pub(crate) async fn check_in_province(&self, lat: f64, lon: f64) -> Result<(), Error> {
        if self.locate(lat, lon).await?.inside_province {
            Ok(())
        } else {
            Err(Error::Invalid(Invalid {
                field: Field::Location,
                rule: Rule::OutsideProvince,
            }))
        }
    }
}
