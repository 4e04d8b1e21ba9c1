//! The size of a drawing's box in CSS pixels, measured after render and whenever the window
//! changes size, so one SVG unit can be one CSS pixel and text keeps its real size.

use gloo::events::EventListener;
use yew::prelude::*;

#[hook]
pub fn use_box_size(node: NodeRef, initial: (f64, f64)) -> (f64, f64) {
    let size = use_state(|| initial);
    {
        let size = size.clone();
        use_effect_with((), move |_| {
            let measure = move || {
                if let Some(el) = node.cast::<web_sys::Element>() {
                    // Exact, not rounded: one SVG unit must be one CSS pixel.
                    let b = el.get_bounding_client_rect();
                    let next = (b.width(), b.height());
                    if next.0 > 0.0 && next.1 > 0.0 && *size != next {
                        size.set(next);
                    }
                }
            };
            measure();
            let resize = EventListener::new(&gloo::utils::window(), "resize", move |_| measure());
            move || drop(resize)
        });
    }
    *size
}
