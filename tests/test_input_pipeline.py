"""A run's input pipeline: the batches are the epoch orders' slices, and tf.data's
autotuning (whose teardown stalled epochs) is off in every pipeline."""

import numpy as np

from activation_comparison.training import input_pipeline


def test_training_batches_are_each_epochs_order_in_batches_and_resume_mid_run():
    x = np.arange(10, dtype=np.float32).reshape(10, 1) * 10
    y = np.arange(10)
    batches = list(input_pipeline.training_batches(x, y, seed=7, epochs=range(2, 4), batch_size=4))
    assert len(batches) == 2 * input_pipeline.batches_per_epoch(10, 4) == 6
    for epoch, epoch_batches in zip((2, 3), (batches[:3], batches[3:])):
        order = input_pipeline.epoch_order(7, epoch, 10)
        assert [list(labels.numpy()) for _, labels in epoch_batches] == [list(order[k:k + 4]) for k in (0, 4, 8)]
        assert all((images.numpy()[:, 0] == labels.numpy() * 10).all() for images, labels in epoch_batches)
    # A run resumed after epoch 2 sees exactly the batches of epoch 3 that the whole run saw.
    resumed = list(input_pipeline.training_batches(x, y, seed=7, epochs=range(3, 4), batch_size=4))
    assert [list(b[1].numpy()) for b in resumed] == [list(b[1].numpy()) for b in batches[3:]]
    # Orders depend on (seed, epoch) only, and differ between epochs and seeds.
    assert not np.array_equal(input_pipeline.epoch_order(7, 2, 10), input_pipeline.epoch_order(7, 3, 10))
    assert not np.array_equal(input_pipeline.epoch_order(7, 2, 10), input_pipeline.epoch_order(8, 2, 10))


def test_every_pipeline_has_autotuning_off():
    x, y = np.zeros((6, 1), np.float32), np.zeros(6)
    for dataset in (input_pipeline.training_batches(x, y, 0, range(1, 3), 4),
                    input_pipeline.evaluation_batches(x, y, 4)):  # fmt: skip
        assert dataset.options().autotune.enabled is False
    evaluation = list(input_pipeline.evaluation_batches(np.arange(6.0).reshape(6, 1), np.arange(6), 4))
    assert [list(labels.numpy()) for _, labels in evaluation] == [[0, 1, 2, 3], [4, 5]]
