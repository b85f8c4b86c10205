//! The page: mounts the Yew app.

fn main() {
    yew::Renderer::<modelvet_web::app::App>::new().render();
}
