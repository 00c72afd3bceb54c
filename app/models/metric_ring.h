#pragma once
// A fixed-capacity ring buffer: push at the back, the oldest element falls out at the front.
// The metric series keep one hour of 1 Hz samples in one of these, so memory is bounded
// however long the panel stays open.

#include <cstddef>
#include <vector>

namespace fulcrum::app {

template <class T>
class MetricRing {
public:
    explicit MetricRing(std::size_t capacity) : m_items(capacity ? capacity : 1) {}

    std::size_t capacity() const { return m_items.size(); }
    std::size_t size() const { return m_size; }
    bool empty() const { return m_size == 0; }
    bool full() const { return m_size == m_items.size(); }

    // Returns true when the oldest element was dropped to make room.
    bool push(T value) {
        const bool dropped = full();
        m_items[(m_start + m_size) % m_items.size()] = std::move(value);
        if (dropped) {
            m_start = (m_start + 1) % m_items.size();
        } else {
            ++m_size;
        }
        return dropped;
    }
    void pop_front() {
        if (m_size == 0) return;
        m_start = (m_start + 1) % m_items.size();
        --m_size;
    }
    void clear() {
        m_start = 0;
        m_size = 0;
    }
    // 0 is the oldest element.
    const T& operator[](std::size_t i) const { return m_items[(m_start + i) % m_items.size()]; }
    const T& back() const { return (*this)[m_size - 1]; }

private:
    std::vector<T> m_items;
    std::size_t m_start = 0;
    std::size_t m_size = 0;
};

}  // namespace fulcrum::app
