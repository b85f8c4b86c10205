//! The page: mounts the Yew app.

fn main() {
    yew::Renderer::<modelvet_web::components::app::App>::new().render();
}
