//! The size of a drawing's box in CSS pixels, measured after render and whenever the box
//! changes size, so one SVG unit can be one CSS pixel and text keeps its real size.

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use yew::prelude::*;

#[hook]
pub fn use_box_size(node: NodeRef, initial: (f64, f64)) -> (f64, f64) {
    let size = use_state(|| initial);
    {
        let size = size.clone();
        use_effect_with((), move |_| {
            let el = node.cast::<web_sys::Element>();
            let measured = el.clone();
            let measure = move || {
                if let Some(el) = &measured {
                    // Exact, not rounded: one SVG unit must be one CSS pixel.
                    let b = el.get_bounding_client_rect();
                    let next = (b.width(), b.height());
                    if next.0 > 0.0 && next.1 > 0.0 && *size != next {
                        size.set(next);
                    }
                }
            };
            measure();
            // Not only the window's resizes: a panel that appears later (a tour's strip, once
            // its text is fetched) shrinks the box with the window unchanged.
            let on_resize = Closure::<dyn FnMut()>::new(measure);
            let observer = web_sys::ResizeObserver::new(on_resize.as_ref().unchecked_ref()).ok();
            if let (Some(o), Some(el)) = (&observer, &el) {
                o.observe(el);
            }
            move || {
                if let Some(o) = observer {
                    o.disconnect();
                }
                drop(on_resize);
            }
        });
    }
    *size
}
