//! Where files and folders come in: drag and drop, a file picker and a
//! folder picker.

use crate::browser::entries::Picked;
use crate::browser::entries::{from_file_list, take_drop, walk};
use wasm_bindgen::JsCast;
use web_sys::HtmlInputElement;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct DropZoneProps {
    /// Files to scan, with their relative paths.
    pub on_files: Callback<Vec<Picked>>,
    /// Entries that could not be read: (path, message).
    pub on_problem: Callback<(String, String)>,
}

#[component]
pub fn DropZone(props: &DropZoneProps) -> Html {
    let over = use_state(|| false);

    let on_drag_over = {
        let over = over.clone();
        Callback::from(move |e: DragEvent| {
            e.prevent_default();
            if let Some(dt) = e.data_transfer() {
                dt.set_drop_effect("copy");
            }
            over.set(true);
        })
    };
    let on_drag_leave = {
        let over = over.clone();
        Callback::from(move |_: DragEvent| over.set(false))
    };
    let on_drop = {
        let (over, on_files, on_problem) = (
            over.clone(),
            props.on_files.clone(),
            props.on_problem.clone(),
        );
        Callback::from(move |e: DragEvent| {
            e.prevent_default();
            over.set(false);
            let Some(dt) = e.data_transfer() else {
                return;
            };
            // Entries are only readable during the event: take them now.
            let dropped = take_drop(&dt);
            let (on_files, on_problem) = (on_files.clone(), on_problem.clone());
            wasm_bindgen_futures::spawn_local(async move {
                let (files, problems) = walk(dropped).await;
                for problem in problems {
                    on_problem.emit(problem);
                }
                on_files.emit(files);
            });
        })
    };
    let on_pick = {
        let on_files = props.on_files.clone();
        Callback::from(move |e: Event| {
            let Some(input) = e
                .target()
                .and_then(|t| t.dyn_into::<HtmlInputElement>().ok())
            else {
                return;
            };
            if let Some(list) = input.files() {
                let mut files = from_file_list(&list);
                files.sort_by(|a, b| a.path.cmp(&b.path));
                on_files.emit(files);
            }
            // Let the same selection be picked again.
            input.set_value("");
        })
    };

    html! {
        <section id="drop-zone"
            class={classes!("drop-zone", (*over).then_some("over"))}
            ondragover={on_drag_over.clone()}
            ondragenter={on_drag_over}
            ondragleave={on_drag_leave}
            ondrop={on_drop}>
            <p class="drop-hint">{ "Drop model files or whole folders here" }</p>
            <div class="pickers">
                <label class="button" for="file-input">{ "Choose files" }</label>
                <input id="file-input" type="file" multiple=true onchange={on_pick.clone()} />
                <label class="button" for="folder-input">{ "Choose a folder" }</label>
                <input id="folder-input" type="file" webkitdirectory=true onchange={on_pick} />
            </div>
        </section>
    }
}
