#pragma once
// For callbacks that must run at most once (a probe's or request's completion): takes the
// callback out, leaving an empty one behind, so a second completion path finds nothing.

#include <utility>

namespace fulcrum::agent {

template <class F>
F take_once(F& callback) {
    F taken = std::move(callback);
    callback = nullptr;
    return taken;
}

}  // namespace fulcrum::agent
