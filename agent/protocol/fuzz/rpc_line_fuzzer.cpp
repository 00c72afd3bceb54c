// Feeds arbitrary bytes through the daemon's input path: line splitting with a small limit
// (so the over-long path is reached), message decoding, typed params decoding for every method.
#include "agent/protocol/line_decoder.h"
#include "agent/protocol/rpc.h"

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace {

using namespace fulcrum::protocol;

void decode_all_params(const nlohmann::json& params) {
    std::apply([&](auto... m) { ((void)decode_params<decltype(m)>(params), ...); }, method::All{});
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view bytes(reinterpret_cast<const char*>(data), size);
    LineDecoder decoder(4096);
    // Split the input in two feeds so the partial-line path is covered too.
    const std::size_t half = size / 2;
    decoder.feed(bytes.substr(0, half));
    for (int round = 0; round < 2; ++round) {
        while (auto line = decoder.next()) {
            if (const auto* text = std::get_if<std::string>(&*line)) {
                Message message = decode_message(*text);
                if (auto* request = std::get_if<Request>(&message)) {
                    decode_all_params(request->params);
                    (void)encode(*request);
                } else if (auto* response = std::get_if<Response>(&message)) {
                    (void)decode_result<method::WorkersList>(*response);
                    (void)encode(*response);
                } else if (auto* notification = std::get_if<Notification>(&message)) {
                    (void)decode_notification<notification::MetricsSampleN>(*notification);
                    (void)encode(*notification);
                }
            }
        }
        if (round == 0) decoder.feed(bytes.substr(half));
    }
    return 0;
}
