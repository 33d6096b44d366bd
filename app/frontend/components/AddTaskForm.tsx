"use client";

import { useActionState } from "react";

import { addTask, type AddTaskState } from "@/app/actions";
import { TITLE_MAX_LENGTH } from "@/lib/limits";

const initialState: AddTaskState = { error: null, title: "" };

export function AddTaskForm() {
  const [state, formAction, pending] = useActionState(addTask, initialState);

  return (
    <form action={formAction} className="add-form" data-testid="add-task-form">
      <label htmlFor="new-task-title">New task</label>
      <div className="add-form-row">
        <input
          id="new-task-title"
          name="title"
          type="text"
          required
          maxLength={TITLE_MAX_LENGTH}
          autoComplete="off"
          placeholder="What needs doing?"
          // React resets the form after each action; the default value decides what the input then shows.
          defaultValue={state.title}
          aria-describedby={state.error ? "add-task-error" : undefined}
          aria-invalid={state.error ? true : undefined}
          data-testid="new-task-title"
        />
        <button type="submit" disabled={pending} data-testid="add-task-submit">
          {pending ? "Adding…" : "Add task"}
        </button>
      </div>
      {state.error ? (
        <p id="add-task-error" className="form-error" role="alert" data-testid="add-task-error">
          {state.error}
        </p>
      ) : null}
    </form>
  );
}
