#include "rope_status.h"

namespace rope {

const char* status_name(Status s) {
  switch (s) {
    case Status::kOk: return "OK";
    case Status::kHeadDimInvalid: return "HEAD_DIM_INVALID";
    case Status::kRotaryDimInvalid: return "ROTARY_DIM_INVALID";
    case Status::kBaseInvalid: return "BASE_INVALID";
    case Status::kLayoutInvalid: return "LAYOUT_INVALID";
    case Status::kScalingInvalid: return "SCALING_INVALID";
    case Status::kNumHeadsInvalid: return "NUM_HEADS_INVALID";
    case Status::kLengthInvalid: return "LENGTH_INVALID";
    case Status::kPositionInvalid: return "POSITION_INVALID";
    case Status::kOrderInvalid: return "ORDER_INVALID";
    case Status::kSeqLenInvalid: return "SEQ_LEN_INVALID";
    case Status::kOutOfMemory: return "OUT_OF_MEMORY";
    case Status::kSizeOverflow: return "SIZE_OVERFLOW";
    case Status::kNullPointer: return "NULL_POINTER";
    case Status::kTokenCountMismatch: return "TOKEN_COUNT_MISMATCH";
    case Status::kCacheLimitInvalid: return "CACHE_LIMIT_INVALID";
    case Status::kMropeInvalid: return "MROPE_INVALID";
    case Status::kFreqFactorsInvalid: return "FREQ_FACTORS_INVALID";
    case Status::kAliasedTensors: return "ALIASED_TENSORS";
    case Status::kDTypeInvalid: return "DTYPE_INVALID";
    case Status::kStrideInvalid: return "STRIDE_INVALID";
  }
  return "UNKNOWN";
}

}  // namespace rope
