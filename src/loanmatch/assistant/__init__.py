"""The guiding assistant (7x24 智能客服): a knowledge base as data, retrieval with Chinese word
segmentation, doubt detection, contextual answers, and an optional language model."""
