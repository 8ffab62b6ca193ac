// Status codes returned by every core entry point. The core never throws across
// its API: the JS layer maps each code to a RopeError with a stable string code.
#pragma once

namespace rope {

enum class Status : int {
  kOk = 0,
  kHeadDimInvalid = 1,       // headDim not a positive even number (or too large)
  kRotaryDimInvalid = 2,     // rotaryDim not even, <= 0, or > headDim
  kBaseInvalid = 3,          // base not finite or <= 1
  kLayoutInvalid = 4,        // layout not one of Layout
  kScalingInvalid = 5,       // scaling parameters out of their domain
  kNumHeadsInvalid = 6,      // numHeads / numKvHeads not positive
  kLengthInvalid = 7,        // tensor length not a whole number of tokens
  kPositionInvalid = 8,      // position out of int32 range
  kOrderInvalid = 9,         // order not one of Order
  kSeqLenInvalid = 10,       // seqLen not positive
  kOutOfMemory = 11,         // an allocation the call needed failed
  kSizeOverflow = 12,        // sizes whose byte count overflows the address space
  kNullPointer = 13,         // a required pointer was null
  kTokenCountMismatch = 14,  // q and k hold different numbers of tokens
  kCacheLimitInvalid = 15,   // cache limit negative or not finite
  kMropeInvalid = 16,        // multimodal sections or mode out of their domain
  kFreqFactorsInvalid = 17,  // freq factors of the wrong count, or not > 0
  kAliasedTensors = 18,      // q and k (or the vectors of one view) overlap
  kDTypeInvalid = 19,        // an element type not one of DType
  kStrideInvalid = 20,       // strides whose vectors overlap, or a view past the tensor's end
};

// A short, stable, machine-readable name for a status ("HEAD_DIM_INVALID", ...).
const char* status_name(Status s);

}  // namespace rope
