//! Filing a field report: the form's state and its write lane, the edit
//! step (its sections are in `fields`), then a review with "already reported
//! nearby?" and submit. Every change is saved to the draft at once, so closing
//! the app loses nothing.

use cds_domain::{
    Lang,
    report::{Contact, Field, Invalid, Location, LocationSource, ReportDraft, StoredDraft},
};
use cds_ipc::{
    AreasView, ById, Category, DeleteDraft, Empty, LoadAreas, LoadCategories, Locate, Nearby,
    NearbyRequest, Placement, Point, PublicReport, SaveDraft, SaveDraftRequest, Submit, UiError,
};
use leptos::{prelude::*, task::spawn_local};

use super::fields::{
    CategoryPicker, ContactSection, Description, LocationSection, Photos, Questions,
};
use crate::{
    i18n::{self, Key},
    ipc,
    nav::{BackNav, Page, focus_after_render},
    state::AppState,
};

/// How far "already reported nearby?" looks, in metres.
const NEARBY_M: f64 = 250.0;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    Edit,
    Review,
}

/// Runs the form's writes to the draft one after another (in the order they
/// were asked for), so that a save never races a photo being added.
#[derive(Clone, Default)]
pub(super) struct Lane(std::rc::Rc<std::cell::RefCell<Option<js_sys::Promise>>>);

impl Lane {
    pub(super) async fn run(&self, op: impl std::future::Future<Output = ()>) {
        let mut release = None;
        let mine = js_sys::Promise::new(&mut |resolve, _reject| release = Some(resolve));
        let before = self.0.replace(Some(mine));
        if let Some(before) = before {
            let _ = wasm_bindgen_futures::JsFuture::from(before).await;
        }
        op.await;
        if let Some(release) = release {
            let _ = release.call0(&wasm_bindgen::JsValue::NULL);
        }
    }
}

/// The form's state: the stored draft and what the form shows beside it.
#[derive(Clone, Copy)]
pub(super) struct Form {
    /// Draft writes, one at a time.
    pub(super) lane: StoredValue<Lane, LocalStorage>,
    pub(super) app: AppState,
    pub(super) draft: RwSignal<Option<StoredDraft>>,
    pub(super) categories: RwSignal<Vec<Category>>,
    pub(super) areas: RwSignal<Option<AreasView>>,
    pub(super) placement: RwSignal<Option<Placement>>,
    /// The last photo's EXIF position, offered when the draft has another.
    pub(super) exif_offer: RwSignal<Option<Location>>,
    /// The field that was refused, and why.
    pub(super) invalid: RwSignal<Option<Invalid>>,
    pub(super) photo_busy: RwSignal<bool>,
    step: RwSignal<Step>,
    nearby: RwSignal<Vec<PublicReport>>,
}

impl Form {
    pub(super) fn lang(self) -> Lang {
        self.app.lang()
    }

    pub(super) fn t(self, key: Key) -> &'static str {
        self.app.t(key)
    }

    pub(super) fn draft_now(self) -> ReportDraft {
        self.draft
            .with_untracked(|d| d.as_ref().map(|d| d.draft.clone()))
            .unwrap_or_default()
    }

    /// Changes the draft here at once, then saves it (in the lane, with
    /// whatever the draft holds by then); a refusal is shown next to its field.
    pub(super) fn change(self, edit: impl FnOnce(&mut ReportDraft)) {
        self.draft.update(|d| {
            if let Some(d) = d {
                edit(&mut d.draft);
            }
        });
        self.relocate();
        let lane = self.lane.get_value();
        spawn_local(async move {
            lane.run(async move {
                let Some((id, draft)) = self
                    .draft
                    .with_untracked(|d| d.as_ref().map(|d| (d.id.clone(), d.draft.clone())))
                else {
                    return;
                };
                match ipc::call::<SaveDraft>(&SaveDraftRequest {
                    id: Some(id),
                    draft,
                })
                .await
                {
                    Ok(_) => self.invalid.set(None),
                    Err(err) => self.fail(err),
                }
            })
            .await;
        });
    }

    pub(super) fn fail(self, err: UiError) {
        match err.invalid {
            Some(invalid) => self.invalid.set(Some(invalid)),
            None => self.app.error.set(Some(err)),
        }
    }

    /// Looks up the ward of the draft's location.
    pub(super) fn relocate(self) {
        let Some(location) = self.draft_now().location else {
            self.placement.set(None);
            return;
        };
        spawn_local(async move {
            let point = Point {
                lat: location.lat,
                lon: location.lon,
            };
            if let Ok(placement) = ipc::call::<Locate>(&point).await {
                self.placement.set(Some(placement));
            }
        });
    }

    pub(super) fn set_location(self, lat: f64, lon: f64, source: LocationSource) {
        self.change(move |d| {
            d.location = Some(Location {
                lat,
                lon,
                accuracy_m: None,
                source,
            });
        });
    }

    pub(super) fn error_for(self, field: Field) -> Option<String> {
        let invalid = self.invalid.get()?;
        (invalid.field == field).then(|| i18n::invalid_text(self.lang(), invalid))
    }
}

#[component]
pub fn NewReport(draft_id: Option<String>) -> impl IntoView {
    let app = expect_context::<AppState>();
    let form = Form {
        lane: StoredValue::new_local(Lane::default()),
        app,
        draft: RwSignal::new(None),
        categories: RwSignal::new(Vec::new()),
        areas: RwSignal::new(None),
        placement: RwSignal::new(None),
        exif_offer: RwSignal::new(None),
        invalid: RwSignal::new(None),
        photo_busy: RwSignal::new(false),
        step: RwSignal::new(Step::Edit),
        nearby: RwSignal::new(Vec::new()),
    };
    // Redrawn when the draft appears, not at every save.
    let loaded = Memo::new(move |_| form.draft.with(Option::is_some));
    spawn_local(async move {
        match ipc::call::<LoadCategories>(&Empty {}).await {
            Ok(list) => form.categories.set(list),
            Err(err) => app.error.set(Some(err)),
        }
        if let Ok(areas) = ipc::call::<LoadAreas>(&Empty {}).await {
            form.areas.set(Some(areas));
        }
        let existing = match draft_id {
            Some(id) => ipc::call::<cds_ipc::LoadDrafts>(&Empty {})
                .await
                .ok()
                .and_then(|all| all.into_iter().find(|d| d.id == id)),
            None => None,
        };
        let draft = match existing {
            Some(draft) => Ok(draft),
            None => {
                ipc::call::<SaveDraft>(&SaveDraftRequest {
                    id: None,
                    draft: ReportDraft::default(),
                })
                .await
            }
        };
        match draft {
            Ok(draft) => {
                form.draft.set(Some(draft));
                form.relocate();
            }
            Err(err) => app.error.set(Some(err)),
        }
    });
    view! {
        <BackNav label=Key::ReportsBack />
        <article class="page report-form" data-page="new-report">
            <h1 tabindex="-1">{move || form.t(Key::ReportNewHeading)}</h1>
            <p class="hint">{move || form.t(Key::ReportSavedHint)}</p>
            {move || form.draft.with(|d| d.as_ref().is_some_and(|d| d.draft.assisted_by.is_some())).then(|| view! {
                <p class="notice" id="report-assisted">{form.t(Key::ReportAssisted)}</p>
            })}
            {move || match (loaded.get(), form.step.get()) {
                (false, _) => view! { <p>{form.t(Key::Loading)}</p> }.into_any(),
                (true, Step::Edit) => edit(form).into_any(),
                (true, Step::Review) => review(form).into_any(),
            }}
        </article>
    }
}

fn edit(form: Form) -> impl IntoView {
    view! {
        <CategoryPicker form />
        <Photos form />
        <LocationSection form />
        <Description form />
        <Questions form />
        <ContactSection form />
        <div class="form-actions">
            <button id="to-review" class="button button--primary" on:click=move |_| {
                form.step.set(Step::Review);
                look_nearby(form);
                focus_after_render("#review-heading".to_owned());
            }>
                {form.t(Key::ReportToReview)}
            </button>
            <button id="discard-draft" class="button" on:click=move |_| {
                if let Some(id) = form.draft.with_untracked(|d| d.as_ref().map(|d| d.id.clone())) {
                    spawn_local(async move {
                        match ipc::call::<DeleteDraft>(&ById { id }).await {
                            Ok(_) => form.app.nav.back_to(Page::Reports),
                            Err(err) => form.fail(err),
                        }
                    });
                }
            }>
                {form.t(Key::ReportDiscard)}
            </button>
        </div>
    }
}

fn look_nearby(form: Form) {
    let draft = form.draft_now();
    let (Some(location), Some(code)) = (draft.location, draft.service_code) else {
        form.nearby.set(Vec::new());
        return;
    };
    spawn_local(async move {
        let request = NearbyRequest {
            lat: location.lat,
            lon: location.lon,
            radius_m: NEARBY_M,
            service_code: Some(code),
        };
        form.nearby
            .set(ipc::call::<Nearby>(&request).await.unwrap_or_default());
    });
}

fn review(form: Form) -> impl IntoView {
    let draft = form.draft_now();
    let photos = form
        .draft
        .with_untracked(|d| d.as_ref().map(|d| d.photos.len()).unwrap_or(0));
    let category = draft
        .service_code
        .as_ref()
        .and_then(|code| {
            form.categories.with_untracked(|c| {
                c.iter()
                    .find(|c| &c.service.service_code == code)
                    .map(|c| c.service.service_name.clone())
            })
        })
        .unwrap_or_else(|| form.t(Key::ReportNone).to_owned());
    let ward = form
        .placement
        .get_untracked()
        .and_then(|p| p.ward)
        .map(|(_, name)| name.get(form.lang()).to_owned())
        .unwrap_or_else(|| form.t(Key::ReportNone).to_owned());
    let contact = match &draft.contact {
        Contact::Anonymous => form.t(Key::ReportAnonymous).to_owned(),
        Contact::Named { name, .. } => name.clone(),
    };
    let submitting = RwSignal::new(false);
    view! {
        <section class="review" aria-labelledby="review-heading">
            <h2 id="review-heading" tabindex="-1">{form.t(Key::ReportReview)}</h2>
            <dl class="summary">
                <dt>{form.t(Key::ReportCategory)}</dt><dd id="review-category">{category}</dd>
                <dt>{form.t(Key::ReportPhotos)}</dt><dd id="review-photos">{photos.to_string()}</dd>
                <dt>{form.t(Key::ReportLocation)}</dt><dd id="review-ward">{ward}</dd>
                <dt>{form.t(Key::ReportDescription)}</dt><dd id="review-description">{draft.description.clone()}</dd>
                <dt>{form.t(Key::ReportContact)}</dt><dd>{contact}</dd>
            </dl>
            {move || {
                let nearby = form.nearby.get();
                (!nearby.is_empty()).then(|| view! {
                    <div class="notice" id="nearby-reports" role="status">
                        <h3>{form.t(Key::ReportNearbyHeading)}</h3>
                        <ul>
                            {nearby.into_iter().map(|r| {
                                let server_id = r.server_id.clone();
                                view! {
                                    <li data-server-id=r.server_id.clone()>
                                        <p>{format!("{} m · ", r.distance_m.round())} {r.description.clone()}</p>
                                        <button class="button button--small follow-same" on:click=move |_| {
                                            let server_id = server_id.clone();
                                            let draft = form.draft.with_untracked(|d| d.as_ref().map(|d| d.id.clone()));
                                            spawn_local(async move {
                                                if let Err(err) = ipc::call::<cds_ipc::FollowReport>(&ById { id: server_id }).await {
                                                    return form.fail(err);
                                                }
                                                if let Some(id) = draft {
                                                    let _ = ipc::call::<DeleteDraft>(&ById { id }).await;
                                                }
                                                form.app.nav.back_to(Page::Reports);
                                            });
                                        }>{form.t(Key::ReportFollowSame)}</button>
                                    </li>
                                }
                            }).collect_view()}
                        </ul>
                        <p class="hint">{form.t(Key::ReportNearbyHint)}</p>
                    </div>
                })
            }}
            {move || form.invalid.get().map(|invalid| view! {
                <p class="field-error" id="submit-error" role="alert">{i18n::invalid_text(form.lang(), invalid)}</p>
            })}
            <div class="form-actions">
                <button id="submit-report" class="button button--primary" prop:disabled=move || submitting.get() on:click=move |_| {
                    let Some(id) = form.draft.with_untracked(|d| d.as_ref().map(|d| d.id.clone())) else { return };
                    submitting.set(true);
                    spawn_local(async move {
                        match ipc::call::<Submit>(&ById { id }).await {
                            Ok(receipt) => form.app.nav.replace(Page::Report { id: receipt.report_id, fresh: true }),
                            Err(err) => { submitting.set(false); form.fail(err); }
                        }
                    });
                }>{form.t(Key::ReportSubmit)}</button>
                <button id="back-to-edit" class="button" on:click=move |_| form.step.set(Step::Edit)>{form.t(Key::ReportEdit)}</button>
            </div>
        </section>
    }
}
