// The IV generators that only encode the sector number: plain, plain64, plain64be, benbi and null.
#pragma once

#include "IvGenerator.h"

namespace cryptstack {

class CounterIv final : public IvGenerator
{
public:
    enum class Kind { Plain, Plain64, Plain64Be, Benbi, Null };
    CounterIv(Kind kind, size_t ivSize, unsigned benbiShift = 0)
        : m_kind(kind), m_ivSize(ivSize), m_benbiShift(benbiShift)
    {}

    std::unique_ptr<IvGenerator> clone() const override { return std::make_unique<CounterIv>(*this); }
    bool generate(SectorRequest& request) override;

private:
    Kind m_kind;
    size_t m_ivSize;
    unsigned m_benbiShift; // 9 - log2(block size): benbi counts cipher blocks
};

} // namespace cryptstack
