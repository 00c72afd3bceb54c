#pragma once
// The words of the reboot timeline: what a running step is doing, and — for a red step — what
// the user can do about it. Kept apart from RebootController so the texts read as one list.

#include "app/reboot/reboot_verifier.h"

#include <QString>

namespace fulcrum::ui::reboot_text {

// Short, stable id of a step for timeline rows and tests ("workers", "up").
QString key(app::RebootVerifier::Step step);
// What the step checks, in a few words, for the plan shown before a run.
QString purpose(app::RebootVerifier::Step step);
// "Waiting for the host to go down…", shown under a running step.
QString running(app::RebootVerifier::Step step, const app::RebootOptions& options);
// What to do when `step` failed with `why` (the verifier's reason, first line of the evidence).
QString advice(app::RebootVerifier::Step step, const QString& why);
// The first line of `text`, cut to about `max` characters.
QString firstLine(const QString& text, int max = 180);

}  // namespace fulcrum::ui::reboot_text
